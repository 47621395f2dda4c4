namespace Kindling.Replication.Export;

/// <summary>What an export wrote, and what it left out on purpose (each with the reason).</summary>
public sealed record ExportReport(int Images, int Blobs, int Charts, int Files, long Bytes, IReadOnlyList<string> LeftOut)
{
    public override string ToString() =>
        $"{Images} image tag(s) ({Blobs} blobs), {Charts} chart version(s), {Files} file(s), {Bytes / 1048576.0:0.0} MiB";
}
