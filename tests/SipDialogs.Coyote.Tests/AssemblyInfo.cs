// Each test runs Coyote's engine, which serializes the scenario's operations on its own; tests side by side would
// only compete for the two cores CI has.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
