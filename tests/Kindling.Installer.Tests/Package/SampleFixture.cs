using Kindling.Installer.Package.Sample;
using Kindling.Testing;

namespace Kindling.Installer.Tests.Package;

/// <summary>One small sample package per test class that only reads it.</summary>
public sealed class SampleFixture : IDisposable
{
    private readonly TempDirectory _temp = new("kindling-pkg");

    public SampleFixture() => Result = SamplePackage.Write(_temp.File("sample"), SampleSize.Small);

    public SamplePackageResult Result { get; }

    public string Root => _temp.Path;

    public void Dispose() => _temp.Dispose();
}
