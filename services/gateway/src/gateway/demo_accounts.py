"""The demo chain's accounts (`make run` seeds them), whose passwords are published: the
gateway refuses to start outside development while any of them exists with its password."""

USERS = [
    {
        "username": "alice",
        "password": "alice-demo-pass",
        "role": "customer",
        "customer_id": "C-ALICE",
    },
    {"username": "bob", "password": "bob-demo-pass", "role": "customer", "customer_id": "C-BOB"},
    {"username": "s001", "password": "s001-demo-pass", "role": "store", "store_id": "S001"},
    {"username": "s002", "password": "s002-demo-pass", "role": "store", "store_id": "S002"},
]
