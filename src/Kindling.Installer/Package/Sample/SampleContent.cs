using System.Text;

namespace Kindling.Installer.Package.Sample;

/// <summary>The sample's charts, files and OS content: small but real (Helm-valid charts, tar.gz archives, RPMs).</summary>
internal static class SampleContent
{
    /// <summary>A Helm v3 chart archive (apiVersion v2, values.yaml, templates/) as <c>helm package</c> lays it out.</summary>
    public static void WriteChart(string path, string name, string version, string appVersion, string description)
    {
        using var file = File.Create(path);
        using var tar = new TarGzWriter(file);
        tar.AddText($"{name}/Chart.yaml", $"""
            apiVersion: v2
            name: {name}
            description: {description}
            type: application
            version: {version}
            appVersion: "{appVersion}"
            home: https://github.com/kindling/kindling
            maintainers:
              - name: kindling
            """ + "\n");
        tar.AddText($"{name}/values.yaml", $"""
            # Default values for {name}.
            replicaCount: 1
            image:
              repository: release.daocloud.io/kindling/hello
              tag: v1.0.0
            message: hello from {name}
            """ + "\n");
        tar.AddText($"{name}/templates/configmap.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-config
              labels:
                app.kubernetes.io/name: {{ .Chart.Name }}
                app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
            data:
              message: {{ .Values.message | quote }}
              image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
            """ + "\n");
        tar.AddText($"{name}/templates/NOTES.txt", $"{name} installed: kubectl get configmap {{{{ .Release.Name }}}}-config\n");
        tar.AddText($"{name}/.helmignore", ".git/\n*.swp\n");
        tar.Finish();
    }

    /// <summary>A tar.gz of small files (stands in for release archives such as cni-plugins or helm).</summary>
    public static byte[] SmallArchive(string top, params string[] names)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarGzWriter(buffer))
        {
            foreach (var name in names)
            {
                tar.AddText(string.IsNullOrEmpty(top) ? name : $"{top}/{name}", $"#!/bin/sh\necho '{name}: Kindling sample stand-in, not the real binary'\n", TarGzWriter.ExecutableMode);
            }

            tar.Finish();
        }

        return buffer.ToArray();
    }

    public static byte[] Script(string what) =>
        Encoding.UTF8.GetBytes($"#!/bin/sh\n# Kindling sample stand-in for {what} (not the real binary)\necho '{what} (kindling sample)'\n");

    /// <summary>A minimal noarch RPM installing one text file.</summary>
    public static RpmBuild Rpm(string name, string summary) => RpmWriter.Write(new RpmPackage(
        name, "1.0.0", "1.el7", summary,
        $"{summary}. Written by Kindling's sample package generator to exercise yum repositories served by the bootstrap node.",
        "Apache-2.0", "https://github.com/kindling/kindling", "Applications/System",
        [new RpmFile($"/usr/share/doc/{name}/README", Encoding.UTF8.GetBytes($"{name}: installed from a Kindling sample repository.\n"))]));

    public static string TreeInfo(long timestamp) => $"""
        [header]
        type = productmd.treeinfo
        version = 1.2

        [general]
        name = CentOS-7
        family = CentOS
        timestamp = {timestamp}
        variant =
        version = 7
        packagedir = Packages
        arch = x86_64

        [release]
        name = CentOS
        short = CentOS
        version = 7

        [tree]
        arch = x86_64
        build_timestamp = {timestamp}
        platforms = x86_64
        """ + "\n";

    public static string DiscInfo(long timestamp) => $"{timestamp}.000000\n7\nx86_64\n1\n";
}
