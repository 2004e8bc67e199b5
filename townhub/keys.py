"""`townhub-init-secrets [INSTANCE]`: generate the secret key and VAPID keys once.

A separate entry point, because a production app refuses to start (and so cannot run a
`flask` command) until these exist.
"""

from __future__ import annotations

import sys
from pathlib import Path

from townhub.config import SECRETS_FILE, vapid_public_key, write_new_secrets


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    instance = Path(args[0] if args else "instance").resolve()
    existed = (instance / SECRETS_FILE).exists()
    secrets = write_new_secrets(instance)
    print(
        ("Kept the existing" if existed else "Wrote new") + f" secrets in {instance / SECRETS_FILE}"
    )
    print(f"VAPID public key: {vapid_public_key(secrets['VAPID_PRIVATE_PEM'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
