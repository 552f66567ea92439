from inventory.entrypoints.main import run

run()
