namespace SipDialogs.Server;

/// <summary>The meters serve exports at /metrics.</summary>
internal static class MeterNames
{
    /// <summary>The stack's meter (the library's <c>SipDialogsMetrics</c>).</summary>
    public const string Stack = "SipDialogs";

    /// <summary>serve's own meter (process uptime).</summary>
    public const string Server = "SipDialogs.Server";

    /// <summary>The .NET runtime's meter (GC, heap, thread pool).</summary>
    public const string Runtime = "System.Runtime";
}
