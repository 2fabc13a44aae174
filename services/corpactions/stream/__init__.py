"""The faust service: decode -> dividend core -> events, on Kafka."""
