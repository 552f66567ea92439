"""chainstore gateway: the public REST API in front of inventory, orders and logistics."""
