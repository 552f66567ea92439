"""`python -m orders.reconcile_reservations`: the reservation audit as a standalone command
(orders.entrypoints.operations)."""

from orders.entrypoints.operations import run

if __name__ == "__main__":
    run()
