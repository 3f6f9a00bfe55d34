using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace SipDialogs.Messages;

/// <summary>
/// Generates the identifiers a SIP element mints for itself: From/To tags, Via branch parameters and Call-IDs.
/// </summary>
/// <remarks>
/// <para>
/// Every identifier carries 130 bits from the operating system's cryptographically secure generator
/// (<see cref="RandomNumberGenerator"/>), well above the 32 bits RFC 3261 §19.3 demands of a tag and enough that
/// a Call-ID, which RFC 3261 §8.1.1.4 requires to be unique over space and time, and a branch, which §8.1.1.7
/// requires to be unique across space and time for all requests sent by the UA, do not collide in practice.
/// </para>
/// <para>
/// The secure generator is drawn in blocks into a buffer owned by the calling thread, so producing an identifier
/// takes no lock and no call into the operating system; a thread refills its block only once it has spent it.
/// </para>
/// <para>
/// The random part is 26 characters of lowercase base32 (<c>a</c>–<c>z</c>, <c>2</c>–<c>7</c>), each made from
/// the low 5 bits of its own random byte, so each carries 5 unbiased random bits. Every character is a
/// <c>token</c> character and a Call-ID <c>word</c> character (RFC 3261 §25.1). The alphabet has a single case
/// on purpose: RFC 3261 §7.3.1 leaves parameter values case-insensitive unless stated otherwise, so a peer that
/// folds the case of a tag or branch loses no bits.
/// </para>
/// <para>All members are safe to call from any thread.</para>
/// </remarks>
public static class SipIds
{
    /// <summary>
    /// The prefix of every branch parameter created by an RFC 3261 element (RFC 3261 §8.1.1.7), which tells the
    /// receiver that the branch is unique and may be used alone to match the transaction (RFC 3261 §17.2.3).
    /// </summary>
    public const string BranchMagicCookie = "z9hG4bK";

    /// <summary>
    /// The length, in characters or ASCII bytes, of the random part of every identifier; each character carries
    /// 5 random bits.
    /// </summary>
    public const int RandomPartLength = 26;

    /// <summary>
    /// The number of random bits in every identifier this class produces: <see cref="RandomPartLength"/> characters
    /// of 5 bits each.
    /// </summary>
    public const int RandomBits = RandomPartLength * BitsPerCharacter;

    /// <summary>The length, in characters or ASCII bytes, of a tag from <see cref="NewTag"/> or <see cref="WriteTag"/>.</summary>
    public const int TagLength = RandomPartLength;

    /// <summary>
    /// The length, in characters or ASCII bytes, of a branch from <see cref="NewBranch"/> or
    /// <see cref="WriteBranch"/>: the magic cookie followed by the random part.
    /// </summary>
    public const int BranchLength = 7 + RandomPartLength; // 7 = BranchMagicCookie.Length

    /// <summary>
    /// The length, in characters or ASCII bytes, of a Call-ID from <see cref="NewCallId()"/> or
    /// <see cref="WriteCallId"/>, which carry no host part.
    /// </summary>
    public const int CallIdLength = RandomPartLength;

    private const int BitsPerCharacter = 5;

    // Where the second of the two 16-byte vector lanes that cover a random part starts.
    private const int SecondLaneOffset = RandomPartLength - 16;

    // One block serves 630 identifiers. A call into the secure generator has a fixed cost of about as much as
    // generating several kilobytes, so a 16 KiB block makes that cost a small share of each ID (measured:
    // about 4 ns an ID less than a 4 KiB block) at a footprint of 16 KiB per thread that mints IDs.
    private const int BlockSize = 16384;

    // The thread's unspent random bytes and the offset of the first unspent byte. Thread-static so that no
    // two threads ever share bytes and no lock is needed; each byte is handed out once and never reused.
    [ThreadStatic]
    private static byte[]? _block;

    [ThreadStatic]
    private static int _blockOffset;

    // RFC 3261 §25.1: word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" /
    // "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}"), the Call-ID host part.
    private static readonly SearchValues<char> _callIdWordChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~()<>:\\\"/[]?{}");

    // Lowercase RFC 4648 base32 alphabet.
    private static ReadOnlySpan<byte> Alphabet => "abcdefghijklmnopqrstuvwxyz234567"u8;

    private static ReadOnlySpan<byte> CookieBytes => "z9hG4bK"u8;

    /// <summary>
    /// Creates a tag for the From header field of a new request (RFC 3261 §8.1.1.3) or the To header field of a
    /// response that creates a dialog (RFC 3261 §8.2.6.2), globally unique and cryptographically random as
    /// RFC 3261 §19.3 requires.
    /// </summary>
    /// <returns>A new tag of <see cref="TagLength"/> characters, carrying <see cref="RandomBits"/> random bits.</returns>
    public static string NewTag() =>
        string.Create(TagLength, 0, static (destination, _) => WriteRandomPart(destination));

    /// <summary>
    /// Creates a branch parameter for the Via header field of a new request (RFC 3261 §8.1.1.7): the magic cookie
    /// <see cref="BranchMagicCookie"/> followed by a random part unique across space and time.
    /// </summary>
    /// <returns>A new branch of <see cref="BranchLength"/> characters, carrying <see cref="RandomBits"/> random bits.</returns>
    public static string NewBranch() =>
        string.Create(BranchLength, 0, static (destination, _) =>
        {
            BranchMagicCookie.CopyTo(destination);
            WriteRandomPart(destination[BranchMagicCookie.Length..]);
        });

    /// <summary>
    /// Creates a Call-ID without a host part (RFC 3261 §8.1.1.4), unique over space and time because it is
    /// cryptographically random (RFC 3261 §8.1.1.4 recommends exactly that).
    /// </summary>
    /// <returns>A new Call-ID of <see cref="CallIdLength"/> characters, carrying <see cref="RandomBits"/> random bits.</returns>
    public static string NewCallId() =>
        string.Create(CallIdLength, 0, static (destination, _) => WriteRandomPart(destination));

    /// <summary>
    /// Creates a Call-ID of the form <c>random@host</c> (RFC 3261 §8.1.1.4, §25.1 <c>callid</c>).
    /// </summary>
    /// <param name="host">
    /// The part after the <c>@</c>, usually the host name or IP address of the element; it must be a non-empty
    /// RFC 3261 <c>word</c> (an IPv6 reference such as <c>[2001:db8::1]</c> is one).
    /// </param>
    /// <returns>
    /// A new Call-ID of <see cref="CallIdLength"/> + 1 + <paramref name="host"/>.Length characters whose random
    /// part carries <see cref="RandomBits"/> random bits.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="host"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="host"/> is empty or holds a character a Call-ID may not carry.</exception>
    public static string NewCallId(string host)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        int invalid = host.AsSpan().IndexOfAnyExcept(_callIdWordChars);
        if (invalid >= 0)
        {
            throw new ArgumentException(
                $"The Call-ID host part may hold only RFC 3261 'word' characters; '{host}' has an invalid character at index {invalid}.",
                nameof(host));
        }

        return string.Create(CallIdLength + 1 + host.Length, host, static (destination, state) =>
        {
            WriteRandomPart(destination);
            destination[CallIdLength] = '@';
            state.CopyTo(destination[(CallIdLength + 1)..]);
        });
    }

    /// <summary>
    /// Writes a new tag (RFC 3261 §8.1.1.3, §19.3), as ASCII, to <paramref name="destination"/> without allocating.
    /// </summary>
    /// <param name="destination">Where to write; at least <see cref="TagLength"/> bytes.</param>
    /// <returns>The number of bytes written, always <see cref="TagLength"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="TagLength"/>.</exception>
    public static int WriteTag(Span<byte> destination)
    {
        EnsureLength(destination, TagLength, "tag");
        WriteRandomPart(destination);
        return TagLength;
    }

    /// <summary>
    /// Writes a new branch parameter (RFC 3261 §8.1.1.7), <see cref="BranchMagicCookie"/> followed by the random part,
    /// as ASCII, to <paramref name="destination"/> without allocating.
    /// </summary>
    /// <param name="destination">Where to write; at least <see cref="BranchLength"/> bytes.</param>
    /// <returns>The number of bytes written, always <see cref="BranchLength"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="BranchLength"/>.</exception>
    public static int WriteBranch(Span<byte> destination)
    {
        EnsureLength(destination, BranchLength, "branch");
        CookieBytes.CopyTo(destination);
        WriteRandomPart(destination[CookieBytes.Length..]);
        return BranchLength;
    }

    /// <summary>
    /// Writes a new Call-ID without a host part (RFC 3261 §8.1.1.4), as ASCII, to <paramref name="destination"/>
    /// without allocating. A caller that wants <c>random@host</c> appends <c>@</c> and the host itself.
    /// </summary>
    /// <param name="destination">Where to write; at least <see cref="CallIdLength"/> bytes.</param>
    /// <returns>The number of bytes written, always <see cref="CallIdLength"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="CallIdLength"/>.</exception>
    public static int WriteCallId(Span<byte> destination)
    {
        EnsureLength(destination, CallIdLength, "Call-ID");
        WriteRandomPart(destination);
        return CallIdLength;
    }

    private static void EnsureLength(
        Span<byte> destination,
        int required,
        string what,
        [CallerArgumentExpression(nameof(destination))] string? paramName = null)
    {
        if (destination.Length < required)
        {
            ThrowDestinationTooShort(destination.Length, required, what, paramName);
        }
    }

    [DoesNotReturn]
    private static void ThrowDestinationTooShort(int length, int required, string what, string? paramName) =>
        throw new ArgumentException(
            $"The destination is {length} bytes long but a {what} needs {required} bytes.", paramName);

    // Writes the next random part, as ASCII, to the first RandomPartLength bytes of destination, which the caller
    // guarantees are there.
    private static void WriteRandomPart(Span<byte> destination)
    {
        ReadOnlySpan<byte> random = NextRandomBytes();
        if (Vector128.IsHardwareAccelerated)
        {
            // Two overlapping 16-byte lanes cover the 26 characters; the overlap is written twice with the same
            // bytes, which is cheaper than a scalar tail.
            ToBase32(Vector128.Create(random)).CopyTo(destination);
            ToBase32(Vector128.Create(random[SecondLaneOffset..])).CopyTo(destination[SecondLaneOffset..]);
        }
        else
        {
            ReadOnlySpan<byte> alphabet = Alphabet;
            for (int i = 0; i < RandomPartLength; i++)
            {
                destination[i] = alphabet[random[i] & 31];
            }
        }
    }

    // The UTF-16 twin of the ASCII writer above, for the string forms.
    private static void WriteRandomPart(Span<char> destination)
    {
        ReadOnlySpan<byte> random = NextRandomBytes();
        if (Vector128.IsHardwareAccelerated)
        {
            Span<ushort> output = MemoryMarshal.Cast<char, ushort>(destination);
            (Vector128<ushort> lower, Vector128<ushort> upper) = Vector128.Widen(ToBase32(Vector128.Create(random)));
            lower.CopyTo(output);
            upper.CopyTo(output[8..]);
            (lower, upper) = Vector128.Widen(ToBase32(Vector128.Create(random[SecondLaneOffset..])));
            lower.CopyTo(output[SecondLaneOffset..]);
            upper.CopyTo(output[(SecondLaneOffset + 8)..]);
        }
        else
        {
            ReadOnlySpan<byte> alphabet = Alphabet;
            for (int i = 0; i < RandomPartLength; i++)
            {
                destination[i] = (char)alphabet[random[i] & 31];
            }
        }
    }

    // Maps the low 5 bits of each byte to its base32 character: 0-25 to 'a'-'z', 26-31 to '2'-'7'. The same
    // mapping as Alphabet, by arithmetic instead of a table so that it stays in vector registers.
    private static Vector128<byte> ToBase32(Vector128<byte> random)
    {
        Vector128<byte> value = random & Vector128.Create((byte)31);
        Vector128<byte> isDigit = Vector128.GreaterThan(value, Vector128.Create((byte)25));
        return value + Vector128.Create((byte)'a') - (isDigit & Vector128.Create((byte)('a' - ('2' - 26))));
    }

    // Hands out the next RandomPartLength unspent bytes of this thread's block, refilling the block from the
    // secure generator when too few are left. The bytes at the end of a block that are too few for an ID are
    // dropped, never carried over, so no byte serves two IDs.
    private static ReadOnlySpan<byte> NextRandomBytes()
    {
        byte[]? block = _block;
        int offset = _blockOffset;
        if (block is null || offset > BlockSize - RandomPartLength)
        {
            block = Refill();
            offset = 0;
        }

        _blockOffset = offset + RandomPartLength;
        return new ReadOnlySpan<byte>(block, offset, RandomPartLength);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] Refill()
    {
        byte[] block = _block ??= new byte[BlockSize];
        RandomNumberGenerator.Fill(block);
        return block;
    }
}
