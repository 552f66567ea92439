from logistics.entrypoints.main import run

run()
