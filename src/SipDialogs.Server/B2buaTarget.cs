using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Server;

/// <summary>
/// A target of a B2BUA route: an address (<c>udp:127.0.0.1:5070</c>), sent to as it is, or a host name
/// (<c>udp:sip.example.test:5070</c>, <c>tcp:sip.example.test</c>, <c>sip.example.test</c>) that the stack locates by
/// RFC 3263 (A/AAAA when a port is given; else SRV for the given transport; else NAPTR, SRV, A/AAAA) off the shards
/// and tries address by address (a 503, Timer B or a transport error gives way to the next, RFC 3263 §4.3).
/// </summary>
internal sealed class B2buaTarget
{
    private readonly string _text;
    private readonly string _hostPart;
    private readonly string _uriParameters;

    private B2buaTarget(string text, SipEndPoint? address, string hostPart, string uriParameters)
    {
        _text = text;
        Address = address;
        _hostPart = hostPart;
        _uriParameters = uriParameters;
    }

    /// <summary>The address to send to, or null for a host name the stack locates from the Request-URI.</summary>
    public SipEndPoint? Address { get; }

    /// <summary>
    /// Reads <c>transport:address:port</c>, <c>transport:name:port</c>, <c>transport:name</c> or <c>name</c>; on
    /// failure, why, for a message naming the setting.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out B2buaTarget? target, [NotNullWhen(false)] out string? why)
    {
        target = null;
        if (SipEndPoint.TryParse(text, out SipEndPoint? endPoint, out why))
        {
            if (endPoint.Value.Address.Port == 0)
            {
                why = "its port is 0";
                return false;
            }

            IPEndPoint address = endPoint.Value.Address;
            string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address.Address + "]" : address.Address.ToString();
            target = new B2buaTarget(endPoint.Value.ToString(), endPoint, host + ":" + Text(address.Port), string.Empty);
            return true;
        }

        string[] parts = text.Split(':');
        string? transport = parts.Length >= 2 ? parts[0].ToLowerInvariant() : null;
        string name = parts.Length >= 2 ? parts[1] : parts[0];
        int port = 0;
        if (parts.Length > 3 || (transport is not null && transport is not ("udp" or "tcp" or "tls"))
            || (parts.Length == 3 && (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is 0 or > 65535))
            || !AddrSpec.TryParse("sip:" + name, out AddrSpec? uri, out _) || uri is not SipUri { HostKind: SipHostKind.Name } sip
            || sip.User is not null || sip.Port is not null || sip.Parameters.Count > 0)
        {
            why = "it is neither transport:address:port nor transport:host:port, transport:host or host";
            return false;
        }

        why = null;
        target = new B2buaTarget(
            text, null, port == 0 ? name : name + ":" + Text(port), transport is null ? string.Empty : ";transport=" + transport);
        return true;
    }

    /// <summary>
    /// The B leg's Request-URI: the called user at the target (its address, or its name for the stack to locate), e.g.
    /// <c>sip:4420@sip.example.test;transport=udp</c>.
    /// </summary>
    public string RequestUri(string? user) =>
        string.IsNullOrEmpty(user) ? "sip:" + _hostPart + _uriParameters : "sip:" + user + "@" + _hostPart + _uriParameters;

    /// <summary>The target as configured (an address in its canonical form).</summary>
    public override string ToString() => _text;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
