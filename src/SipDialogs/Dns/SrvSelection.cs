namespace SipDialogs.Dns;

/// <summary>
/// The order in which to try SRV targets (RFC 2782 "Usage rules"): lowest priority first; within a priority, a
/// weighted random order, each next target drawn with probability weight / sum of the weights left. Zero-weight
/// targets come after the weighted ones of their priority (RFC 2782 gives them "a very small chance"; here none
/// until the weighted ones are used), in random order among themselves.
/// </summary>
internal static class SrvSelection
{
    /// <param name="records">The SRV records of one name; not changed.</param>
    /// <param name="pick">Draws an integer in [0, max): the locator's random source.</param>
    public static List<SrvEntry> Order(SrvEntry[] records, Func<int, int> pick)
    {
        var sorted = new List<SrvEntry>(records);
        sorted.Sort(static (a, b) => a.Priority.CompareTo(b.Priority)); // Only priority orders; weight is drawn below.
        var ordered = new List<SrvEntry>(sorted.Count);
        var group = new List<SrvEntry>();
        for (int start = 0; start < sorted.Count;)
        {
            int end = start;
            group.Clear();
            while (end < sorted.Count && sorted[end].Priority == sorted[start].Priority)
            {
                group.Add(sorted[end++]);
            }

            while (group.Count > 0)
            {
                int total = 0;
                foreach (SrvEntry entry in group)
                {
                    total += entry.Weight;
                }

                int chosen;
                if (total == 0)
                {
                    chosen = pick(group.Count);
                }
                else
                {
                    int draw = pick(total);
                    int running = 0;
                    chosen = 0;
                    for (int i = 0; i < group.Count; i++)
                    {
                        running += group[i].Weight;
                        if (running > draw)
                        {
                            chosen = i;
                            break;
                        }
                    }
                }

                ordered.Add(group[chosen]);
                group.RemoveAt(chosen);
            }

            start = end;
        }

        return ordered;
    }
}
