"""`python -m inventory.reconcile [--repair]`: check stock levels against the ledger."""

from inventory.entrypoints.operations import run_reconcile

if __name__ == "__main__":
    run_reconcile()
