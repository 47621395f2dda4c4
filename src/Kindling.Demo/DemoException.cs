namespace Kindling.Demo;

/// <summary>A demo step that could not go on; the message says which and where its log is.</summary>
public sealed class DemoException(string message) : Exception(message);
