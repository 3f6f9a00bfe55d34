namespace SipDialogs.Server;

/// <summary>The B2BUA's routes by Request-URI user prefix: the longest prefix that matches wins. Read-only once made; any thread.</summary>
internal sealed class B2buaRouteTable
{
    private readonly (string Prefix, B2buaDestination Destination)[] _routes;

    /// <summary>Makes the table; among routes with the same prefix, the first stands.</summary>
    public B2buaRouteTable(IEnumerable<(string Prefix, B2buaDestination Destination)> routes)
    {
        var list = new List<(string Prefix, B2buaDestination Destination)>(routes);

        // Longest first, so that the first match is the longest; a stable sort keeps the first of equal prefixes first.
        (string Prefix, B2buaDestination Destination)[] ordered = [.. list];
        var order = new int[ordered.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => ordered[b].Prefix.Length != ordered[a].Prefix.Length ? ordered[b].Prefix.Length - ordered[a].Prefix.Length : a - b);
        _routes = new (string, B2buaDestination)[ordered.Length];
        for (int i = 0; i < order.Length; i++)
        {
            _routes[i] = ordered[order[i]];
        }
    }

    /// <summary>Every route's destination, in no particular order.</summary>
    public IEnumerable<B2buaDestination> Destinations
    {
        get
        {
            foreach ((_, B2buaDestination destination) in _routes)
            {
                yield return destination;
            }
        }
    }

    /// <summary>Where a call to <paramref name="user"/> goes; null when no route takes it.</summary>
    public B2buaDestination? Find(string? user)
    {
        string key = user ?? string.Empty;
        foreach ((string prefix, B2buaDestination destination) in _routes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return destination;
            }
        }

        return null;
    }
}
