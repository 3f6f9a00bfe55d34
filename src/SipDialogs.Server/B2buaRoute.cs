namespace SipDialogs.Server;

/// <summary>
/// A routing rule of <c>serve --mode b2bua</c> (configuration <c>SipDialogs:B2bua:Routes</c>): calls whose Request-URI
/// user starts with <see cref="Prefix"/> go to <see cref="Targets"/>, tried in order.
/// </summary>
internal sealed class B2buaRoute
{
    /// <summary>The start of the Request-URI's user part this rule takes; empty takes every call. The longest match wins.</summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Where to send the call, in order, each <c>transport:address:port</c> (e.g. <c>udp:127.0.0.1:5070</c>).</summary>
    public IList<string> Targets { get; } = [];
}
