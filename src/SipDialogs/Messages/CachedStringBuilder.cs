using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// One <see cref="StringBuilder"/> per thread for writing a header or URI (or an SDP body) out as a string: the
/// string is made once, and the builder and its buffer are kept for the next one instead of becoming garbage each
/// time. A nested use while the thread's builder is out gets a new one, so a writer may call another freely.
/// </summary>
internal static class CachedStringBuilder
{
    /// <summary>Larger builders are let go rather than kept, so that one large message pins no memory.</summary>
    private const int MaxKeptCapacity = 1024;

    [ThreadStatic]
    private static StringBuilder? t_cached;

    /// <summary>An empty builder: this thread's, unless it is out.</summary>
    /// <param name="capacity">The capacity a new builder starts with.</param>
    /// <returns>The builder, to be passed to <see cref="ToStringAndRelease"/>.</returns>
    public static StringBuilder Acquire(int capacity)
    {
        StringBuilder? builder = t_cached;
        if (builder is null || capacity > builder.Capacity)
        {
            return new StringBuilder(capacity);
        }

        t_cached = null;
        return builder.Clear();
    }

    /// <summary>The builder's text; the builder is kept for this thread's next <see cref="Acquire"/>.</summary>
    /// <param name="builder">A builder from <see cref="Acquire"/>, not used afterwards.</param>
    /// <returns>The text.</returns>
    public static string ToStringAndRelease(StringBuilder builder)
    {
        string text = builder.ToString();
        if (builder.Capacity <= MaxKeptCapacity)
        {
            t_cached = builder;
        }

        return text;
    }
}
