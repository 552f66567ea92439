"""The orders benchmark data set: datagen invents it, bulkload writes it, and loadgen
(`python -m chainstore_dev.orders_data.loadgen`) does both."""
