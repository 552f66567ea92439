"""`python -m orders` starts the orders service."""

from orders.entrypoints.main import run

if __name__ == "__main__":
    run()
