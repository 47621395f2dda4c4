namespace Kindling.Artifacts.Content;

/// <summary>
/// The three kinds of content a node serves, one service each: images (the registry), charts (the chart repository)
/// and files (the file store). Their spellings (the services' wire names, the CLI's names) are in <see cref="ContentKinds"/>.
/// </summary>
public enum ContentKind
{
    Images,
    Charts,
    Files,
}
