using System.Globalization;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>Reads samples out of a Prometheus text exposition (what <c>/metrics</c> serves).</summary>
internal static class PrometheusText
{
    /// <summary>
    /// The sum of the samples of <paramref name="name"/> (exactly that name) whose labels contain every one of
    /// <paramref name="labels"/> (e.g. <c>mode="uas"</c>); null when there is none.
    /// </summary>
    public static double? Sum(string exposition, string name, params string[] labels)
    {
        double? sum = null;
        foreach (string raw in exposition.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal)
                || (line.Length > name.Length && line[name.Length] is not ('{' or ' ')))
            {
                continue;
            }

            bool all = true;
            foreach (string label in labels)
            {
                all &= line.Contains(label, StringComparison.Ordinal);
            }

            if (all)
            {
                string value = line[(line.LastIndexOf(' ') + 1)..];
                sum = (sum ?? 0) + double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    /// <summary>The metric names the exposition declares with <c># TYPE</c>, with their types.</summary>
    public static Dictionary<string, string> Types(string exposition)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in exposition.Split('\n'))
        {
            string[] parts = line.TrimEnd('\r').Split(' ');
            if (parts.Length == 4 && parts[0] == "#" && parts[1] == "TYPE")
            {
                types[parts[2]] = parts[3];
            }
        }

        return types;
    }
}
