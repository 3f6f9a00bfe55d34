namespace SipDialogs.Messages;

/// <summary>
/// The first header parameter of one name, the one <see cref="SipParameters.TryGetValue"/> answers with, found while
/// a <see cref="HeaderParameterReader"/> passes over the list once for several names.
/// </summary>
internal ref struct FirstHeaderParameter
{
    /// <summary>Whether a parameter of the name was read.</summary>
    public bool Found { get; private set; }

    /// <summary>False when the first one is a flag.</summary>
    public bool HasValue { get; private set; }

    /// <summary>The first one's value as written; empty for a flag.</summary>
    public ReadOnlySpan<char> Value { get; private set; }

    /// <summary>Takes the parameter just read when it has the name (ignoring case) and is the first of it.</summary>
    /// <param name="name">The name read.</param>
    /// <param name="wanted">The name looked for.</param>
    /// <param name="value">The value read.</param>
    /// <param name="hasValue">False for a flag.</param>
    /// <returns>Whether the name is the one looked for, first or not.</returns>
    public bool TryTake(ReadOnlySpan<char> name, string wanted, ReadOnlySpan<char> value, bool hasValue)
    {
        if (!name.Equals(wanted, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (!Found)
        {
            Found = true;
            HasValue = hasValue;
            Value = value;
        }

        return true;
    }
}
