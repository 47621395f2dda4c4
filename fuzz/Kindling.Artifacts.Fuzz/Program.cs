using Kindling.Artifacts.Fuzz;
using Kindling.Fuzz;

// Usage:
//   dotnet run -c Release --project fuzz/Kindling.Artifacts.Fuzz -- TARGET [--seconds N] [--corpus DIR]   mutational fuzzing
//   dotnet run -c Release --project fuzz/Kindling.Artifacts.Fuzz -- TARGET FILE...                           replay inputs
// Targets: manifest, sigv4, range, awschunked, route, completexml, chartyaml, chart (docs/fuzzing.md). Each distinct
// finding is saved under crashes/ beside the binary (and printed in base64); the exit code is then 1.
return FuzzDriver.Run("Kindling.Artifacts.Fuzz", args, Targets.All);
