using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Kindling.Artifacts.Files;

namespace Kindling.Artifacts.Http.Files;

/// <summary>
/// The body of S3 CompleteMultipartUpload: <c>&lt;CompleteMultipartUpload&gt;&lt;Part&gt;&lt;PartNumber&gt;1&lt;/PartNumber&gt;
/// &lt;ETag&gt;"..."&lt;/ETag&gt;&lt;/Part&gt;...</c>, in any namespace. DTDs are refused (no entity expansion), and so
/// are documents nested deeper than <see cref="MaxDepth"/>: XDocument.Load takes time quadratic in the depth
/// (1 MiB of nested elements, about 87,000 levels, kept a core busy for over a minute).
/// </summary>
internal static class CompleteMultipartRequest
{
    /// <summary>The document is 3 levels deep (CompleteMultipartUpload, Part, PartNumber/ETag); this leaves room for extensions.</summary>
    public const int MaxDepth = 16;

    /// <summary>The parts <paramref name="xml"/> lists, or null when it is not such a document. Never throws for bad input.</summary>
    public static List<PartReference>? Parse(Stream xml)
    {
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
            if (!xml.CanSeek)
            {
                var copy = new MemoryStream();
                xml.CopyTo(copy);
                xml = copy;
                xml.Position = 0;
            }

            // A streaming pass first (linear time) to refuse deep nesting before the tree is built.
            var start = xml.Position;
            using (var scan = XmlReader.Create(xml, settings))
            {
                while (scan.Read())
                {
                    if (scan.Depth > MaxDepth)
                    {
                        return null;
                    }
                }
            }

            xml.Position = start;
            using var reader = XmlReader.Create(xml, settings);
            var root = XDocument.Load(reader).Root;
            if (root is null || root.Name.LocalName != "CompleteMultipartUpload")
            {
                return null;
            }

            var parts = new List<PartReference>();
            foreach (var part in root.Elements().Where(e => e.Name.LocalName == "Part"))
            {
                var number = part.Elements().FirstOrDefault(e => e.Name.LocalName == "PartNumber")?.Value;
                var etag = part.Elements().FirstOrDefault(e => e.Name.LocalName == "ETag")?.Value;
                if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || etag is null)
                {
                    return null;
                }

                parts.Add(new PartReference(n, etag));
            }

            return parts;
        }
        catch (XmlException)
        {
            return null;
        }
    }
}
