// Issue 19: a src type is public only when another src project uses it (CA1515 checks this for the executable only:
// in a library every public type is API to the analyzer). Run after `dotnet build src/Kindling.Cli -c Release`
//   dotnet run tests/PublicTypes.cs
// Reads the built src assemblies (src/Kindling.Cli/bin/Release/net10.0), collects the types each one references in
// another src assembly (its TypeRef table), and fails (exit 1) on a public type no other src assembly references,
// unless tests/public-types-allowed.txt lists it: types that must stay public because a public member of a type
// other projects use exposes them, and constant-only types (a constant is copied into the caller, so no reference).
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

var root = Directory.GetCurrentDirectory();
var bin = Path.Combine(root, "src", "Kindling.Cli", "bin", "Release", "net10.0");
var allowedFile = Path.Combine(root, "tests", "public-types-allowed.txt");
if (!File.Exists(Path.Combine(bin, "kindling.dll")))
{
    Console.Error.WriteLine($"{bin}/kindling.dll not found: run `dotnet build src/Kindling.Cli -c Release` in the repository root first");
    return 2;
}

var paths = Directory.GetFiles(bin, "Kindling.*.dll").Append(Path.Combine(bin, "kindling.dll")).ToList();
var names = paths.Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
var used = new HashSet<string>(StringComparer.Ordinal);
var declared = new List<string>();
foreach (var path in paths)
{
    using var pe = new PEReader(File.OpenRead(path));
    var md = pe.GetMetadataReader();
    var self = Path.GetFileNameWithoutExtension(path)!;
    foreach (var handle in md.TypeReferences)
    {
        var assembly = ReferencedAssembly(md, handle);
        if (assembly is not null && assembly != self && names.Contains(assembly))
        {
            used.Add(assembly + " " + ReferenceName(md, handle));
        }
    }

    foreach (var handle in md.TypeDefinitions)
    {
        var name = PublicName(md, md.GetTypeDefinition(handle));
        if (name is not null && name != "Program")
        {
            declared.Add(self + " " + name);
        }
    }
}

var allowed = File.ReadAllLines(allowedFile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
var unused = declared.Where(t => !used.Contains(t)).ToList();
var failures = unused.Where(t => !allowed.Contains(t)).Order(StringComparer.Ordinal).ToList();
foreach (var stale in allowed.Where(a => !unused.Contains(a)).Order(StringComparer.Ordinal))
{
    Console.WriteLine($"note: {stale} is listed in tests/public-types-allowed.txt but is not needed there (internal, used, or gone): remove the line");
}

foreach (var failure in failures)
{
    Console.Error.WriteLine($"{failure}: public, but no other src project uses it: make it internal (tests see internals through InternalsVisibleTo)");
}

Console.WriteLine($"{declared.Count} public types in src, {declared.Count - unused.Count} used by another src project, {unused.Count - failures.Count} allowed, {failures.Count} to make internal");
return failures.Count == 0 ? 0 : 1;

static string? PublicName(MetadataReader md, TypeDefinition type)
{
    var visibility = type.Attributes & TypeAttributes.VisibilityMask;
    if (visibility == TypeAttributes.Public)
    {
        var ns = md.GetString(type.Namespace);
        return (ns.Length == 0 ? "" : ns + ".") + md.GetString(type.Name);
    }

    if (visibility != TypeAttributes.NestedPublic)
    {
        return null;
    }

    var outer = PublicName(md, md.GetTypeDefinition(type.GetDeclaringType()));
    return outer is null ? null : outer + "+" + md.GetString(type.Name);
}

static string ReferenceName(MetadataReader md, TypeReferenceHandle handle)
{
    var reference = md.GetTypeReference(handle);
    var name = md.GetString(reference.Name);
    if (reference.ResolutionScope.Kind == HandleKind.TypeReference)
    {
        return ReferenceName(md, (TypeReferenceHandle)reference.ResolutionScope) + "+" + name;
    }

    var ns = md.GetString(reference.Namespace);
    return (ns.Length == 0 ? "" : ns + ".") + name;
}

static string? ReferencedAssembly(MetadataReader md, TypeReferenceHandle handle)
{
    var reference = md.GetTypeReference(handle);
    while (reference.ResolutionScope.Kind == HandleKind.TypeReference)
    {
        reference = md.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope);
    }

    return reference.ResolutionScope.Kind == HandleKind.AssemblyReference
        ? md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name)
        : null;
}
