using SipDialogs.Transport;

namespace SipDialogs.Server;

/// <summary>The B2BUA's routes by Request-URI user prefix: the longest prefix that matches wins. Read-only once made; any thread.</summary>
internal sealed class B2buaRouteTable
{
    private readonly (string Prefix, SipEndPoint[] Targets)[] _routes;

    /// <summary>Makes the table; among routes with the same prefix, the first stands.</summary>
    public B2buaRouteTable(IEnumerable<(string Prefix, SipEndPoint[] Targets)> routes)
    {
        var list = new List<(string Prefix, SipEndPoint[] Targets)>(routes);

        // Longest first, so that the first match is the longest; a stable sort keeps the first of equal prefixes first.
        (string Prefix, SipEndPoint[] Targets)[] ordered = [.. list];
        var order = new int[ordered.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => ordered[b].Prefix.Length != ordered[a].Prefix.Length ? ordered[b].Prefix.Length - ordered[a].Prefix.Length : a - b);
        _routes = new (string, SipEndPoint[])[ordered.Length];
        for (int i = 0; i < order.Length; i++)
        {
            _routes[i] = ordered[order[i]];
        }
    }

    /// <summary>The targets for a call to <paramref name="user"/>, in order; empty when no route takes it.</summary>
    public IReadOnlyList<SipEndPoint> Find(string? user)
    {
        string key = user ?? string.Empty;
        foreach ((string prefix, SipEndPoint[] targets) in _routes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return targets;
            }
        }

        return [];
    }
}
