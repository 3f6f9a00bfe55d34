using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Dialogs;

/// <summary>
/// The serialized form: compact binary, versioned, so that a store (Redis) keeps a few hundred bytes per call and a
/// reader refuses a form newer than it knows instead of misreading it.
/// </summary>
/// <remarks>
/// Layout, version 1: the bytes <c>S D</c>, the version byte, a flags byte, then each field in order as an unsigned
/// LEB128 number (counts, lengths, sequence numbers plus one with 0 for empty, times as Unix milliseconds plus one with
/// 0 for none) or a UTF-8 string or byte string preceded by its length. Nothing may follow the last field.
/// Version 2 adds one last field, <see cref="DigestClientName"/>; version 1 is still read (as a dialog without one).
/// </remarks>
public sealed partial class DialogSnapshot
{
    /// <summary>The version of the serialized form this build writes, and the newest it reads.</summary>
    public const byte FormatVersion = 2;

    /// <summary>The oldest version this build still reads.</summary>
    private const byte OldestFormatVersion = 1;

    private const byte Magic0 = (byte)'S';
    private const byte Magic1 = (byte)'D';

    [Flags]
    private enum Flags : byte
    {
        None = 0,
        Uac = 1,
        Secure = 2,
        StrictFirstRoute = 4,
        SubscriptionOnly = 8,
        SessionRefresher = 16,
        PeerSupportsTimer = 32,
        PeerAllowsUpdate = 64,
    }

    /// <summary>Writes the snapshot in its serialized form.</summary>
    /// <returns>The bytes.</returns>
    public byte[] Serialize()
    {
        var writer = new ArrayBufferWriter<byte>(256);
        Serialize(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the snapshot in its serialized form to <paramref name="output"/>.</summary>
    /// <param name="output">Where the bytes go.</param>
    public void Serialize(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var w = new Writer(output);
        Flags flags = (IsUac ? Flags.Uac : 0) | (IsSecure ? Flags.Secure : 0) | (FirstRouteIsStrict ? Flags.StrictFirstRoute : 0) |
            (IsSubscriptionOnly ? Flags.SubscriptionOnly : 0) | (IsSessionRefresher ? Flags.SessionRefresher : 0) |
            (PeerSupportsSessionTimer ? Flags.PeerSupportsTimer : 0) | (PeerAllowsUpdate ? Flags.PeerAllowsUpdate : 0);
        w.Byte(Magic0);
        w.Byte(Magic1);
        w.Byte(FormatVersion);
        w.Byte((byte)flags);
        w.String(CallId);
        w.String(LocalTag);
        w.String(RemoteTag);
        w.String(LocalUri);
        w.String(RemoteUri);
        w.String(LocalContact);
        w.String(RemoteTarget);
        w.Number((ulong)RouteSet.Count);
        foreach (string route in RouteSet)
        {
            w.String(route);
        }

        w.Number(LocalCSeq is uint local ? local + 1UL : 0);
        w.Number(RemoteCSeq is uint remote ? remote + 1UL : 0);
        w.String(Peer);
        w.Bytes(LocalSessionDescription.Span);
        w.String(LocalSessionDescriptionType);
        w.Bytes(RemoteSessionDescription.Span);
        w.String(RemoteSessionDescriptionType);
        w.Number(SessionIntervalSeconds);
        w.Time(SessionExpiresAt);
        w.Number((ulong)Subscriptions.Count);
        foreach (SubscriptionSnapshot subscription in Subscriptions)
        {
            w.String(subscription.EventPackage);
            w.Number(subscription.EventId);
            w.Byte((byte)subscription.Role);
            w.Time(subscription.ExpiresAt);
            w.String(subscription.ReferTo);
            w.Number((ulong)(uint)subscription.LastStatus);
            w.String(subscription.LastReason);
        }

        w.Number((ulong)ApplicationData.Count);
        foreach (KeyValuePair<string, string> pair in ApplicationData)
        {
            w.String(pair.Key);
            w.String(pair.Value);
        }

        w.String(DigestClientName); // Version 2.
    }

    /// <summary>Reads a snapshot written by <see cref="Serialize()"/>.</summary>
    /// <param name="data">The serialized form.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="FormatException">The bytes are no dialog snapshot, are cut short or damaged, or are of a newer
    /// version than this build reads; the message says which.</exception>
    public static DialogSnapshot Deserialize(ReadOnlySpan<byte> data) =>
        TryDeserialize(data, out DialogSnapshot? snapshot, out string? error) ? snapshot : throw new FormatException(error);

    /// <summary>Reads a snapshot written by <see cref="Serialize()"/>, without throwing.</summary>
    /// <param name="data">The serialized form.</param>
    /// <param name="snapshot">The snapshot, on success.</param>
    /// <param name="error">What is wrong with the bytes, on failure.</param>
    /// <returns>Whether the bytes were a snapshot this build reads.</returns>
    public static bool TryDeserialize(ReadOnlySpan<byte> data, [NotNullWhen(true)] out DialogSnapshot? snapshot, [NotNullWhen(false)] out string? error)
    {
        snapshot = null;
        if (data.Length < 4 || data[0] != Magic0 || data[1] != Magic1)
        {
            error = "The bytes are not a serialized dialog snapshot (they do not start with 'SD').";
            return false;
        }

        if (data[2] is < OldestFormatVersion or > FormatVersion)
        {
            error = data[2] > FormatVersion
                ? $"The dialog snapshot is of format version {data[2]}, newer than this build reads (version {FormatVersion}); read it with a newer SipDialogs."
                : $"The dialog snapshot names format version {data[2]}, which does not exist.";
            return false;
        }

        var r = new Reader(data[4..]);
        var flags = (Flags)data[3];
        string callId = r.String(), localTag = r.String(), remoteTag = r.String(), localUri = r.String(), remoteUri = r.String();
        string localContact = r.String(), remoteTarget = r.String();
        string[] routes = new string[r.Count()];
        for (int i = 0; i < routes.Length; i++)
        {
            routes[i] = r.String();
        }

        ulong localCSeq = r.Number(), remoteCSeq = r.Number();
        string peer = r.String();
        byte[] localBody = r.Bytes();
        string localType = r.String();
        byte[] remoteBody = r.Bytes();
        string remoteType = r.String();
        ulong interval = r.Number();
        DateTimeOffset? sessionExpires = r.Time();
        var subscriptions = new SubscriptionSnapshot[r.Count()];
        for (int i = 0; i < subscriptions.Length && r.Error is null; i++)
        {
            string package = r.String();
            ulong eventId = r.Number();
            byte role = r.Byte();
            DateTimeOffset? expires = r.Time();
            string referTo = r.String();
            ulong status = r.Number();
            string reason = r.String();
            if (role is not ((byte)SubscriptionRole.Subscriber or (byte)SubscriptionRole.Notifier) || eventId > uint.MaxValue || status > 699)
            {
                r.Fail("a subscription has an unknown role, an event id beyond 32 bits or a status beyond 699");
                break;
            }

            subscriptions[i] = new SubscriptionSnapshot
            {
                EventPackage = package, EventId = (uint)eventId, Role = (SubscriptionRole)role, ExpiresAt = expires,
                ReferTo = referTo, LastStatus = (int)status, LastReason = reason,
            };
        }

        int dataCount = r.Count();
        ImmutableDictionary<string, string>.Builder bag = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < dataCount && r.Error is null; i++)
        {
            string key = r.String();
            string value = r.String();
            if (!bag.TryAdd(key, value))
            {
                r.Fail($"the application data names '{key}' twice");
            }
        }

        string digestClientName = data[2] >= 2 ? r.String() : string.Empty;
        if (r.Error is null && !r.AtEnd)
        {
            r.Fail("bytes follow the last field");
        }

        if (r.Error is null && (localCSeq > uint.MaxValue + 1UL || remoteCSeq > uint.MaxValue + 1UL || interval > uint.MaxValue || callId.Length == 0 || localTag.Length == 0))
        {
            r.Fail("a sequence number or the session interval is beyond 32 bits, or the Call-ID or local tag is empty");
        }

        if (r.Error is { } failure)
        {
            error = "The dialog snapshot is damaged: " + failure + ".";
            return false;
        }

        snapshot = new DialogSnapshot
        {
            CallId = callId, LocalTag = localTag, RemoteTag = remoteTag, LocalUri = localUri, RemoteUri = remoteUri,
            LocalContact = localContact, RemoteTarget = remoteTarget, RouteSet = routes,
            IsUac = (flags & Flags.Uac) != 0, IsSecure = (flags & Flags.Secure) != 0,
            FirstRouteIsStrict = (flags & Flags.StrictFirstRoute) != 0, IsSubscriptionOnly = (flags & Flags.SubscriptionOnly) != 0,
            IsSessionRefresher = (flags & Flags.SessionRefresher) != 0, PeerSupportsSessionTimer = (flags & Flags.PeerSupportsTimer) != 0,
            PeerAllowsUpdate = (flags & Flags.PeerAllowsUpdate) != 0,
            LocalCSeq = localCSeq == 0 ? null : (uint)(localCSeq - 1), RemoteCSeq = remoteCSeq == 0 ? null : (uint)(remoteCSeq - 1),
            Peer = peer, LocalSessionDescription = localBody, LocalSessionDescriptionType = localType,
            RemoteSessionDescription = remoteBody, RemoteSessionDescriptionType = remoteType,
            SessionIntervalSeconds = (uint)interval, SessionExpiresAt = sessionExpires, Subscriptions = subscriptions,
            ApplicationData = bag.ToImmutable(), DigestClientName = digestClientName,
        };
        error = null;
        return true;
    }

    private readonly ref struct Writer(IBufferWriter<byte> output)
    {
        private readonly IBufferWriter<byte> _output = output;

        public void Byte(byte value)
        {
            _output.GetSpan(1)[0] = value;
            _output.Advance(1);
        }

        public void Number(ulong value)
        {
            Span<byte> span = _output.GetSpan(10);
            int i = 0;
            while (value >= 0x80)
            {
                span[i++] = (byte)(value | 0x80);
                value >>= 7;
            }

            span[i++] = (byte)value;
            _output.Advance(i);
        }

        public void Time(DateTimeOffset? time) => Number(time is { } t ? (ulong)t.ToUnixTimeMilliseconds() + 1 : 0);

        public void String(string value)
        {
            int length = Encoding.UTF8.GetByteCount(value);
            Number((ulong)length);
            Encoding.UTF8.GetBytes(value, _output.GetSpan(length));
            _output.Advance(length);
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            Number((ulong)value.Length);
            value.CopyTo(_output.GetSpan(value.Length));
            _output.Advance(value.Length);
        }
    }

    /// <summary>Reads fields in order; the first fault is kept and every later read returns an empty value.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _data = data;

        public string? Error { get; private set; }

        public readonly bool AtEnd => _data.IsEmpty;

        public void Fail(string error) => Error ??= error;

        public byte Byte()
        {
            if (_data.IsEmpty)
            {
                Fail("it ends in the middle of a field");
                return 0;
            }

            byte value = _data[0];
            _data = _data[1..];
            return value;
        }

        public ulong Number()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64 && Error is null; shift += 7)
            {
                byte b = Byte();
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            Fail("a number runs past 64 bits");
            return 0;
        }

        /// <summary>A count or length, which can never exceed the bytes left (each item takes at least one).</summary>
        public int Count()
        {
            ulong count = Number();
            if (count > (ulong)_data.Length)
            {
                Fail("a count or length is larger than the bytes left");
                return 0;
            }

            return (int)count;
        }

        public DateTimeOffset? Time()
        {
            ulong value = Number();
            if (value == 0)
            {
                return null;
            }

            if (value - 1 > 253_402_300_799_999UL)
            {
                Fail("a time is beyond year 9999");
                return null;
            }

            return DateTimeOffset.FromUnixTimeMilliseconds((long)(value - 1));
        }

        public string String()
        {
            ReadOnlySpan<byte> bytes = Take();
            if (Error is not null)
            {
                return string.Empty;
            }

            try
            {
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                Fail("a string is not valid UTF-8");
                return string.Empty;
            }
        }

        public byte[] Bytes() => Take().ToArray();

        private ReadOnlySpan<byte> Take()
        {
            int length = Count();
            if (Error is not null)
            {
                return default;
            }

            ReadOnlySpan<byte> value = _data[..length];
            _data = _data[length..];
            return value;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
