from townhub import create_app

app = create_app()
