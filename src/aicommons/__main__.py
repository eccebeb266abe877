from aicommons.cli.main import app

app(prog_name="aicommons")
