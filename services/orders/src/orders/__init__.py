"""chainstore orders: stores, orders, payments and the order state machine."""
