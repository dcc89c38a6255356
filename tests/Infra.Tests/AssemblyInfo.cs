// Pulumi's test deployments share process-wide state: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
