using Kindling.Config.Fuzz;
using Kindling.Fuzz;

// Usage:
//   dotnet run -c Release --project fuzz/Kindling.Config.Fuzz -- TARGET [--seconds N] [--corpus DIR]   mutational fuzzing
//   dotnet run -c Release --project fuzz/Kindling.Config.Fuzz -- TARGET FILE...                           replay inputs
// Targets: clusterconfig, dcemanifest, failover (docs/fuzzing.md). The loaders report every problem as a diagnostic,
// so any exception is a finding; each distinct one is saved under crashes/ beside the binary and the exit code is 1.
return FuzzDriver.Run("Kindling.Config.Fuzz", args, Targets.All);
