namespace SipDialogs.Server;

/// <summary>Names serve's instruments share with the library's.</summary>
internal static class Diagnostics
{
    /// <summary>The stack's meter (the library's <c>SipDialogsMetrics</c>).</summary>
    public const string MeterName = "SipDialogs";
}
