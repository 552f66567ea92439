"""One adapter per carrier, all behind `service_layer.ports.CarrierAdapter`.

A real carrier or aggregator API is one new module here plus one line in `build_adapters`.
"""
