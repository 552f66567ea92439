from carrier_sim.main import run

run()
