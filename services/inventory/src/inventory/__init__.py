"""chainstore inventory: item master, stock locations, stock levels and reservations."""
