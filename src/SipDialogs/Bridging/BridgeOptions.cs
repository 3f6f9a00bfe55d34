using SipDialogs.Messages;

namespace SipDialogs.Bridging;

/// <summary>How a <see cref="CallBridge"/> carries a call from one leg to the other.</summary>
public sealed class BridgeOptions
{
    /// <summary>
    /// Headers that must never cross: they name the A leg's transport, dialog or route (topology hiding), or the bridge
    /// writes its own on the B leg (RFC 3261 §8.1.1).
    /// </summary>
    private static readonly string[] s_neverCross =
    [
        "Via", "v", "Contact", "m", "Record-Route", "Route", "Call-ID", "i", "From", "f", "To", "t", "CSeq", "Max-Forwards",
        "Content-Length", "l", "Content-Type", "c", "Allow", "Supported", "k", "Require", "Session-Expires", "x", "Min-SE",
        "Authorization", "Proxy-Authorization", "User-Agent", "Server",
    ];

    private string[]? _names;

    /// <summary>
    /// The headers of the caller's INVITE copied into the callee's, by name (case-insensitive), e.g.
    /// <c>P-Asserted-Identity</c>; a name ending in <c>*</c> is a prefix, e.g. <c>X-*</c>. Empty by default: nothing of
    /// the A leg crosses unless named here. Via, Contact, Record-Route, Route, Call-ID, From, To, CSeq, Max-Forwards,
    /// the body's headers, credentials and the session timer's headers never cross (<see cref="Validate"/> refuses
    /// them): the B leg writes its own.
    /// </summary>
    public IList<string> CrossingHeaders { get; } = [];

    /// <summary>
    /// Answers 401 and 407 challenges to the B leg's INVITE and to every later request of its dialog (re-INVITE, UPDATE,
    /// BYE and the rest), as <see cref="Dialogs.InviteOptions.Digest"/> does (RFC 3261 §22.2); null (the default) to take a
    /// challenge as a refusal. The caller's own credentials never cross: these are the bridge's, for its next hop.
    /// </summary>
    public Auth.DigestClient? Digest { get; set; }

    /// <summary>Checks the options; called by the bridge.</summary>
    /// <exception cref="InvalidOperationException">A crossing header is one that must never cross, or is empty.</exception>
    public void Validate()
    {
        foreach (string name in CrossingHeaders)
        {
            string bare = name.TrimEnd('*');
            if (bare.Length == 0)
            {
                throw new InvalidOperationException($"CrossingHeaders: '{name}' names no header.");
            }

            foreach (string never in s_neverCross)
            {
                bool hit = name.EndsWith('*')
                    ? never.StartsWith(bare, StringComparison.OrdinalIgnoreCase)
                    : string.Equals(never, name, StringComparison.OrdinalIgnoreCase);
                if (hit)
                {
                    throw new InvalidOperationException($"CrossingHeaders: {name} would carry {never} across the bridge, which the B leg writes itself.");
                }
            }
        }
    }

    /// <summary>Whether the header named <paramref name="name"/> crosses.</summary>
    internal bool Crosses(string name)
    {
        string[] names = _names ??= [.. CrossingHeaders];
        foreach (string pattern in names)
        {
            if (pattern.EndsWith('*')
                ? name.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.OrdinalIgnoreCase)
                : string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Copies the crossing headers of <paramref name="request"/> to <paramref name="headers"/>.</summary>
    internal void CopyCrossing(SipMessage request, IList<KeyValuePair<string, string>> headers)
    {
        if (CrossingHeaders.Count == 0)
        {
            return;
        }

        for (int i = 0; i < request.HeaderCount; i++)
        {
            string name = request.GetHeaderName(i);
            if (Crosses(name))
            {
                headers.Add(new KeyValuePair<string, string>(name, request.GetHeaderValue(i)));
            }
        }
    }
}
