"""Townhub: a self-hosted digital town hub for high streets."""

from __future__ import annotations

import gc
import os
from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale, lazy_gettext

from townhub.config import CONFIGS, BaseConfig
from townhub.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from townhub.languages.views import NAMES as LANGUAGE_NAMES

RTL_LANGUAGES = {"ar", "he", "fa", "ur"}


def create_app(env: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app for an environment: development (default), test or production."""
    env = env or os.environ.get("TOWNHUB_ENV", "development")
    config_class: type[BaseConfig] = CONFIGS[env]
    app = Flask(__name__, instance_path=os.environ.get("TOWNHUB_INSTANCE") or None)
    app.config.from_object(config_class)
    config_class.read_environment(app.config)
    app.config.update(overrides or {})
    config_class.finalise(app.config, app.instance_path)

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    # Job handlers register themselves on import; any process may run jobs (tests too).
    import townhub.alerts.digest
    import townhub.alerts.fanout
    import townhub.common.mail
    import townhub.sensors.register  # noqa: F401
    from townhub.common import assets, errors, formatting, security

    assets.register(app)
    errors.register(app)
    formatting.register(app)
    security.register(app)
    # gunicorn --preload forks its web processes from here. Objects made so far are kept
    # out of garbage collection, so a collection in a web process does not write to (and
    # so copy) the pages it shares with the others: about 85 MB less for two of them.
    gc.freeze()
    return app


def _select_locale() -> str | None:
    if not has_request_context():
        return None  # a job or command: the default language
    languages: tuple[str, ...] = tuple(current_app.config["LANGUAGES"])
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "en"


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    from townhub.common.migrations import include_object, render_item

    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
        compare_type=True,
        include_object=include_object,
        render_item=render_item,
    )
    babel.init_app(app, locale_selector=_select_locale)
    htmx.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = lazy_gettext("Sign in to continue.")

    # Import every model so Alembic and relationships see the whole schema.
    from townhub import models  # noqa: F401

    @app.context_processor
    def page_language() -> dict[str, Any]:
        language = str(get_locale() or "en")
        return {
            "language_names": {
                code: LANGUAGE_NAMES[code] for code in current_app.config["LANGUAGES"]
            },
            "page_lang": language,
            "page_dir": "rtl" if language.split("_")[0] in RTL_LANGUAGES else "ltr",
        }


def _register_blueprints(app: Flask) -> None:
    from townhub.accounts.views import bp as accounts
    from townhub.alerts.views import bp as alerts
    from townhub.api.views import bp as api
    from townhub.businesses.views import bp as businesses
    from townhub.demographics.views import bp as demographics
    from townhub.events.views import bp as events
    from townhub.footfall.views import bp as footfall
    from townhub.hubs.views import bp as hubs
    from townhub.insights.business_views import bp as business_insights
    from townhub.insights.heatmap_views import bp as heatmaps
    from townhub.insights.views import bp as insights
    from townhub.languages.views import bp as languages
    from townhub.manage.profile import bp as profile
    from townhub.manage.views import bp as manage
    from townhub.moderation.views import bp as moderation
    from townhub.notices.views import bp as notices
    from townhub.offers.views import bp as offers
    from townhub.ops.views import bp as ops
    from townhub.posters.views import bp as posters
    from townhub.pwa.views import bp as pwa
    from townhub.roadworks.views import bp as roadworks
    from townhub.sensors.views import bp as sensors
    from townhub.sensors.webhooks import bp as sensor_webhooks
    from townhub.tracker.views import bp as tracker

    for blueprint in (
        ops,
        sensor_webhooks,
        pwa,
        languages,
        accounts,
        manage,
        profile,
        moderation,
        alerts,
        notices,
        footfall,
        businesses,
        offers,
        events,
        roadworks,
        posters,
        tracker,
        sensors,
        insights,
        business_insights,
        heatmaps,
        demographics,
        api,
        hubs,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from townhub.cli import register

    register(app)
