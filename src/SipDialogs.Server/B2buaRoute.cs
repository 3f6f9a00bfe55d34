namespace SipDialogs.Server;

/// <summary>
/// A routing rule of <c>serve --mode b2bua</c> (configuration <c>SipDialogs:B2bua:Routes</c>): calls whose Request-URI
/// user starts with <see cref="Prefix"/> go to <see cref="Targets"/>, tried in order, answering their challenges as
/// <see cref="User"/>.
/// </summary>
internal sealed class B2buaRoute
{
    /// <summary>The start of the Request-URI's user part this rule takes; empty takes every call. The longest match wins.</summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>
    /// Where to send the call, in order, each <c>transport:address:port</c> (e.g. <c>udp:127.0.0.1:5070</c>) or a host
    /// name located by RFC 3263 (<c>udp:sip.example.test:5070</c>, <c>tcp:sip.example.test</c>, <c>sip.example.test</c>).
    /// </summary>
    public IList<string> Targets { get; } = [];

    /// <summary>
    /// The user name the B leg answers 401 and 407 challenges of its targets with (RFC 3261 §22.2), for its INVITE and
    /// every later request of its dialog; null (the default) passes a challenge back as a refusal.
    /// </summary>
    public string? User { get; set; }

    /// <summary>The password of <see cref="User"/>; or give <see cref="PasswordFile"/>. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>A file whose first line is the password of <see cref="User"/>, read at startup.</summary>
    public string? PasswordFile { get; set; }
}
