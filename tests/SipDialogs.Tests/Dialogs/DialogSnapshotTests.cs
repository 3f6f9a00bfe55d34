using System.Collections.Immutable;
using System.Text;
using CsCheck;
using SipDialogs.Dialogs;

namespace SipDialogs.Tests.Dialogs;

/// <summary>A dialog as a value: its serialized form reads back as it was written, and nothing else is misread.</summary>
public sealed class DialogSnapshotTests
{
    private static readonly Gen<string> s_text = Gen.String[Gen.Char["az09-_.@<>:;=\" \u00e9\u20ac"], 0, 40];
    private static readonly Gen<string> s_token = Gen.String[Gen.Char["az09-."], 1, 24];
    private static readonly Gen<DateTimeOffset?> s_time = Gen.OneOf(
        Gen.Const((DateTimeOffset?)null),
        Gen.Long[0, 253_402_300_799_999].Select(ms => (DateTimeOffset?)DateTimeOffset.FromUnixTimeMilliseconds(ms)));

    private static readonly Gen<uint?> s_cseq = Gen.OneOf(Gen.Const((uint?)null), Gen.UInt.Select(n => (uint?)n));

    private static readonly Gen<SubscriptionSnapshot> s_subscription = Gen.Select(
        s_token, Gen.UInt, Gen.OneOfConst(SubscriptionRole.Subscriber, SubscriptionRole.Notifier), s_time, s_text, Gen.Int[0, 699], s_text,
        (package, id, role, expires, referTo, status, reason) => new SubscriptionSnapshot
        {
            EventPackage = package, EventId = id, Role = role, ExpiresAt = expires, ReferTo = referTo, LastStatus = status, LastReason = reason,
        });

    private static readonly Gen<DialogSnapshot> s_snapshot =
        Gen.Select(
            Gen.Select(s_token, s_token, s_text, Gen.Bool, Gen.Bool, s_text, s_text, s_text),
            Gen.Select(s_text, s_text.Array[0, 4], Gen.Bool, s_cseq, s_cseq, s_text, Gen.Bool),
            Gen.Select(Gen.Byte.Array[0, 300], s_text, Gen.Byte.Array[0, 300], s_text, Gen.UInt, Gen.Bool, Gen.Bool, s_time),
            Gen.Select(s_subscription.Array[0, 3], Gen.Dictionary(s_token, s_text)[0, 4], Gen.Bool, s_text),
            (a, b, c, d) => new DialogSnapshot
            {
                CallId = a.Item1, LocalTag = a.Item2, RemoteTag = a.Item3, IsUac = a.Item4, IsSecure = a.Item5,
                LocalUri = a.Item6, RemoteUri = a.Item7, LocalContact = a.Item8,
                RemoteTarget = b.Item1, RouteSet = b.Item2, FirstRouteIsStrict = b.Item3, LocalCSeq = b.Item4, RemoteCSeq = b.Item5,
                Peer = b.Item6, IsSubscriptionOnly = b.Item7,
                LocalSessionDescription = c.Item1, LocalSessionDescriptionType = c.Item2, RemoteSessionDescription = c.Item3,
                RemoteSessionDescriptionType = c.Item4, SessionIntervalSeconds = c.Item5, IsSessionRefresher = c.Item6,
                PeerSupportsSessionTimer = c.Item7, SessionExpiresAt = c.Item8,
                Subscriptions = d.Item1, ApplicationData = d.Item2.ToImmutableDictionary(StringComparer.Ordinal), PeerAllowsUpdate = d.Item3,
                DigestClientName = d.Item4,
            });

    [Fact]
    public void EverySnapshotReadsBackAsItWasWritten()
    {
        s_snapshot.Sample(snapshot =>
        {
            byte[] bytes = snapshot.Serialize();
            DialogSnapshot back = DialogSnapshot.Deserialize(bytes);
            Assert.Equal(snapshot, back);
            Assert.Equal(bytes, back.Serialize());
        });
    }

    [Fact]
    public void EveryCutShortFormIsRefusedWithAReasonAndNeverThrows()
    {
        s_snapshot.Sample(snapshot =>
        {
            byte[] bytes = snapshot.Serialize();
            for (int length = 0; length < bytes.Length; length++)
            {
                Assert.False(DialogSnapshot.TryDeserialize(bytes.AsSpan(0, length), out _, out string? error));
                Assert.False(string.IsNullOrEmpty(error));
            }
        }, iter: 50);
    }

    [Fact]
    public void AVersion1FormWithoutTheDigestClientNameIsStillReadAsADialogWithoutOne()
    {
        s_snapshot.Sample(written =>
        {
            DialogSnapshot snapshot = new DialogSnapshot
            {
                CallId = written.CallId, LocalTag = written.LocalTag, RemoteTag = written.RemoteTag, LocalUri = written.LocalUri,
                RemoteUri = written.RemoteUri, LocalContact = written.LocalContact, RemoteTarget = written.RemoteTarget,
                RouteSet = written.RouteSet, LocalCSeq = written.LocalCSeq, Subscriptions = written.Subscriptions,
                ApplicationData = written.ApplicationData, LocalSessionDescription = written.LocalSessionDescription,
            };
            byte[] version2 = snapshot.Serialize();
            byte[] version1 = version2[..^1]; // Version 1 ends before the name, whose empty string is one 0 byte.
            version1[2] = 1;

            Assert.Equal(0, version2[^1]);
            Assert.Equal(snapshot, DialogSnapshot.Deserialize(version1));
            Assert.Equal(string.Empty, DialogSnapshot.Deserialize(version1).DigestClientName);
        }, iter: 50);
    }

    [Fact]
    public void BytesAfterTheLastFieldAreRefused()
    {
        byte[] bytes = [.. Sample().Serialize(), 0];
        FormatException error = Assert.Throws<FormatException>(() => DialogSnapshot.Deserialize(bytes));
        Assert.Contains("bytes follow the last field", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANewerFormatVersionIsRefusedWithAClearErrorNotMisread()
    {
        byte[] bytes = Sample().Serialize();
        bytes[2] = DialogSnapshot.FormatVersion + 1;
        FormatException error = Assert.Throws<FormatException>(() => DialogSnapshot.Deserialize(bytes));
        Assert.Contains($"format version {DialogSnapshot.FormatVersion + 1}, newer than this build reads", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BytesThatAreNoSnapshotAreRefused()
    {
        Assert.False(DialogSnapshot.TryDeserialize("{\"callId\":\"x\"}"u8, out _, out string? error));
        Assert.Contains("not a serialized dialog snapshot", error, StringComparison.Ordinal);
        Assert.False(DialogSnapshot.TryDeserialize([(byte)'S', (byte)'D', 0, 0], out _, out error));
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AStringThatIsNotUtf8IsRefused()
    {
        byte[] bytes = Sample().Serialize();
        int at = bytes.AsSpan().IndexOf("call-1"u8);
        bytes[at] = 0xFF;
        Assert.False(DialogSnapshot.TryDeserialize(bytes, out _, out string? error));
        Assert.Contains("not valid UTF-8", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v=0\r\no=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com\r\ns=-\r\n", 2890844527L)]
    [InlineData("v=0\no=- 1 7 IN IP4 127.0.0.1\n", 7L)]
    [InlineData("v=0\r\ns=-\r\n", -1L)]
    [InlineData("v=0\r\no=alice x\r\n", -1L)]
    public void TheSessionVersionIsReadFromTheOriginLine(string sdp, long version)
    {
        DialogSnapshot snapshot = Sample(localSdp: sdp);
        Assert.Equal(version, snapshot.LocalSessionVersion);
        Assert.Equal(-1, snapshot.RemoteSessionVersion);
    }

    private static DialogSnapshot Sample(string localSdp = "v=0\r\n") => new()
    {
        CallId = "call-1@example.com",
        LocalTag = "b1",
        RemoteTag = "a1",
        LocalUri = "<sip:bob@example.com>",
        RemoteUri = "<sip:alice@example.com>",
        LocalContact = "<sip:bob@192.0.2.2>",
        RemoteTarget = "sip:alice@192.0.2.1",
        RouteSet = ["<sip:proxy.example.com;lr>"],
        LocalCSeq = 3,
        RemoteCSeq = null,
        Peer = "udp:192.0.2.1:5060",
        LocalSessionDescription = Encoding.UTF8.GetBytes(localSdp),
        LocalSessionDescriptionType = "application/sdp",
        SessionIntervalSeconds = 1800,
        SessionExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000),
    };
}
