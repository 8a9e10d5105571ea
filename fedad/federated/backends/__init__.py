"""Back-ends move encoded messages between workers and the aggregator; none has its own training loop."""
