"""Deployment transports: the syft datasites, Flower (simulation, subprocess and long-lived SuperNodes,
TLS and node authentication) and the network lab. They move fedad's encoded messages; the training loop,
the workers and Algorithm 1 stay in :mod:`fedad.federated`, behind its ``Backend`` contract."""
