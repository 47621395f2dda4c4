using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Xml;

namespace Kindling.Installer.Package.Sample;

/// <summary>
/// A yum/dnf repository as createrepo_c writes it (rpm-md: repodata/repomd.xml naming primary, filelists and other
/// .xml.gz by sha256, with open-checksum and sizes; package files under Packages/). Returns the files to place.
/// </summary>
internal static class YumRepositoryWriter
{
    private const string CommonNs = "http://linux.duke.edu/metadata/common";
    private const string RpmNs = "http://linux.duke.edu/metadata/rpm";

    public static List<(string Path, byte[] Content)> Write(IReadOnlyList<RpmBuild> packages)
    {
        var files = packages.Select(p => ($"Packages/{p.Package.FileName}", p.Bytes)).ToList();
        var time = TarGzWriter.Epoch.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var data = new List<(string Type, byte[] Gz, byte[] Xml)>
        {
            Compressed("primary", Xml(w => Primary(w, packages, time))),
            Compressed("filelists", Xml(w => Filelists(w, packages))),
            Compressed("other", Xml(w => Other(w, packages))),
        };
        var repomd = Xml(w =>
        {
            w.WriteStartElement("repomd", "http://linux.duke.edu/metadata/repo");
            w.WriteAttributeString("xmlns", "rpm", null, RpmNs);
            w.WriteElementString("revision", time);
            foreach (var (type, gz, xml) in data)
            {
                var location = $"repodata/{Hex(gz)}-{type}.xml.gz";
                files.Add((location, gz));
                w.WriteStartElement("data");
                w.WriteAttributeString("type", type);
                Checksum(w, "checksum", Hex(gz));
                Checksum(w, "open-checksum", Hex(xml));
                w.WriteStartElement("location");
                w.WriteAttributeString("href", location);
                w.WriteEndElement();
                w.WriteElementString("timestamp", time);
                w.WriteElementString("size", gz.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteElementString("open-size", xml.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
        files.Add(("repodata/repomd.xml", repomd));
        return files;
    }

    private static void Primary(XmlWriter w, IReadOnlyList<RpmBuild> packages, string time)
    {
        w.WriteStartElement("metadata", CommonNs);
        w.WriteAttributeString("xmlns", "rpm", null, RpmNs);
        w.WriteAttributeString("packages", packages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var build in packages)
        {
            var p = build.Package;
            w.WriteStartElement("package");
            w.WriteAttributeString("type", "rpm");
            w.WriteElementString("name", p.Name);
            w.WriteElementString("arch", "noarch");
            Version(w, p);
            w.WriteStartElement("checksum");
            w.WriteAttributeString("type", "sha256");
            w.WriteAttributeString("pkgid", "YES");
            w.WriteString(build.Sha256);
            w.WriteEndElement();
            w.WriteElementString("summary", p.Summary);
            w.WriteElementString("description", p.Description);
            w.WriteElementString("packager", "");
            w.WriteElementString("url", p.Url);
            w.WriteStartElement("time");
            w.WriteAttributeString("file", time);
            w.WriteAttributeString("build", time);
            w.WriteEndElement();
            w.WriteStartElement("size");
            w.WriteAttributeString("package", build.Bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteAttributeString("installed", build.InstalledSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteAttributeString("archive", build.ArchiveSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndElement();
            w.WriteStartElement("location");
            w.WriteAttributeString("href", $"Packages/{p.FileName}");
            w.WriteEndElement();
            w.WriteStartElement("format");
            w.WriteElementString("license", RpmNs, p.License);
            w.WriteElementString("vendor", RpmNs, "");
            w.WriteElementString("group", RpmNs, p.Group);
            w.WriteElementString("buildhost", RpmNs, "kindling.sample");
            w.WriteElementString("sourcerpm", RpmNs, $"{p.Name}-{p.Version}-{p.Release}.src.rpm");
            w.WriteStartElement("header-range", RpmNs);
            w.WriteAttributeString("start", build.HeaderStart.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteAttributeString("end", build.HeaderEnd.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndElement();
            w.WriteStartElement("provides", RpmNs);
            w.WriteStartElement("entry", RpmNs);
            w.WriteAttributeString("name", p.Name);
            w.WriteAttributeString("flags", "EQ");
            w.WriteAttributeString("epoch", "0");
            w.WriteAttributeString("ver", p.Version);
            w.WriteAttributeString("rel", p.Release);
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private static void Filelists(XmlWriter w, IReadOnlyList<RpmBuild> packages)
    {
        w.WriteStartElement("filelists", "http://linux.duke.edu/metadata/filelists");
        w.WriteAttributeString("packages", packages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var build in packages)
        {
            PackageStart(w, build);
            foreach (var file in build.Package.Files)
            {
                w.WriteElementString("file", file.Path);
            }

            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private static void Other(XmlWriter w, IReadOnlyList<RpmBuild> packages)
    {
        w.WriteStartElement("otherdata", "http://linux.duke.edu/metadata/other");
        w.WriteAttributeString("packages", packages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var build in packages)
        {
            PackageStart(w, build);
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private static void PackageStart(XmlWriter w, RpmBuild build)
    {
        w.WriteStartElement("package");
        w.WriteAttributeString("pkgid", build.Sha256);
        w.WriteAttributeString("name", build.Package.Name);
        w.WriteAttributeString("arch", "noarch");
        Version(w, build.Package);
    }

    private static void Version(XmlWriter w, RpmPackage p)
    {
        w.WriteStartElement("version");
        w.WriteAttributeString("epoch", "0");
        w.WriteAttributeString("ver", p.Version);
        w.WriteAttributeString("rel", p.Release);
        w.WriteEndElement();
    }

    private static void Checksum(XmlWriter w, string element, string hex)
    {
        w.WriteStartElement(element);
        w.WriteAttributeString("type", "sha256");
        w.WriteString(hex);
        w.WriteEndElement();
    }

    private static (string, byte[], byte[]) Compressed(string type, byte[] xml)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(xml);
        }

        return (type, buffer.ToArray(), xml);
    }

    private static byte[] Xml(Action<XmlWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            w.WriteStartDocument();
            body(w);
            w.WriteEndDocument();
        }

        return buffer.ToArray();
    }

    private static string Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
