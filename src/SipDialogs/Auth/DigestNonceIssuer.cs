using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace SipDialogs.Auth;

/// <summary>
/// Makes and checks server nonces that need no state to be checked: a nonce is the time it was made, a counter,
/// and an HMAC-SHA-256 over both and the realm, so any node holding the key can tell a forged nonce from one of its
/// own, and a fresh one from an expired one (RFC 7616 §3.3 suggests a timestamp and a private key in the nonce).
/// Replays of a valid nonce are the job of <see cref="NonceCountTracker"/>. Thread-safe.
/// </summary>
public sealed class DigestNonceIssuer
{
    private const int TimeBytes = 8;
    private const int CounterBytes = 8;
    private const int MacBytes = 16; // 128 bits of HMAC-SHA-256: forging one is 2^128 guesses.
    private const int RawBytes = TimeBytes + CounterBytes + MacBytes;

    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private long _counter;

    /// <summary>Creates an issuer with a random key (nonces are then valid on this instance only).</summary>
    /// <param name="lifetime">How long a nonce is fresh.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> when null.</param>
    public DigestNonceIssuer(TimeSpan lifetime, TimeProvider? time = null)
        : this(RandomNumberGenerator.GetBytes(32), lifetime, time)
    {
    }

    /// <summary>Creates an issuer with a given key: nodes that share it accept each other's nonces.</summary>
    /// <param name="key">The HMAC key, at least 16 bytes.</param>
    /// <param name="lifetime">How long a nonce is fresh.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> when null.</param>
    public DigestNonceIssuer(ReadOnlySpan<byte> key, TimeSpan lifetime, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(key.Length, 16, nameof(key));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        _key = key.ToArray();
        Lifetime = lifetime;
        _time = time ?? TimeProvider.System;
        _counter = BinaryPrimitives.ReadInt64LittleEndian(RandomNumberGenerator.GetBytes(8)); // Distinct after a restart.
    }

    /// <summary>How long a nonce stays fresh.</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>Now, in Unix milliseconds, on this issuer's clock.</summary>
    internal long NowMilliseconds => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Makes a nonce for <paramref name="realm"/>: 43 base64url characters.</summary>
    /// <param name="realm">The realm of the challenge.</param>
    /// <returns>The nonce.</returns>
    public string Issue(string realm)
    {
        Span<byte> raw = stackalloc byte[RawBytes];
        BinaryPrimitives.WriteInt64BigEndian(raw, NowMilliseconds);
        BinaryPrimitives.WriteInt64BigEndian(raw[TimeBytes..], Interlocked.Increment(ref _counter));
        Sign(raw[..(TimeBytes + CounterBytes)], realm, raw[(TimeBytes + CounterBytes)..]);
        return Base64Url.EncodeToString(raw);
    }

    /// <summary>Checks a nonce given back in credentials.</summary>
    /// <param name="nonce">The nonce.</param>
    /// <param name="realm">The realm the credentials name.</param>
    /// <param name="issuedMilliseconds">When it was made (Unix milliseconds), when not <see cref="DigestNonceState.Invalid"/>.</param>
    /// <returns>Whether it is valid, stale or not ours.</returns>
    public DigestNonceState Verify(string nonce, string realm, out long issuedMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        issuedMilliseconds = 0;
        Span<byte> raw = stackalloc byte[RawBytes];
        if (nonce.Length != Base64Url.GetEncodedLength(RawBytes)
            || !Base64Url.TryDecodeFromChars(nonce, raw, out int written) || written != RawBytes)
        {
            return DigestNonceState.Invalid;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        Sign(raw[..(TimeBytes + CounterBytes)], realm, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, raw[(TimeBytes + CounterBytes)..]))
        {
            return DigestNonceState.Invalid;
        }

        issuedMilliseconds = BinaryPrimitives.ReadInt64BigEndian(raw);
        long age = NowMilliseconds - issuedMilliseconds;
        return age < 0 || age > (long)Lifetime.TotalMilliseconds ? DigestNonceState.Stale : DigestNonceState.Valid;
    }

    private void Sign(ReadOnlySpan<byte> stamp, string realm, Span<byte> mac)
    {
        int realmBytes = Encoding.UTF8.GetByteCount(realm);
        Span<byte> data = realmBytes <= 240 ? stackalloc byte[256] : new byte[stamp.Length + realmBytes];
        stamp.CopyTo(data);
        int length = stamp.Length + Encoding.UTF8.GetBytes(realm, data[stamp.Length..]);
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, data[..length], full);
        full[..MacBytes].CopyTo(mac);
    }
}
