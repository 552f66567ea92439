"""Pure logistics rules: tracking taxonomy, carrier codes and choice, shipment timelines."""
