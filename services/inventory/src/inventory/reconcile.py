"""`python -m inventory.reconcile [--repair]`: check stock levels against the ledger."""

from inventory.entrypoints.reconcile_cli import run

if __name__ == "__main__":
    run()
