using System.Security.Cryptography;
using System.Text;

namespace SipDialogs.Auth;

/// <summary>Names, strength and the hash <c>H</c> of each <see cref="DigestAlgorithm"/> (RFC 7616 §3.3, §3.4.2).</summary>
public static class DigestAlgorithms
{
    /// <summary>The <c>algorithm</c> parameter value of <paramref name="algorithm"/>, e.g. <c>SHA-512-256</c>.</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>The name as RFC 7616 §3.3 writes it.</returns>
    public static string Name(DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Md5 => "MD5",
        DigestAlgorithm.Md5Sess => "MD5-sess",
        DigestAlgorithm.Sha256 => "SHA-256",
        DigestAlgorithm.Sha256Sess => "SHA-256-sess",
        DigestAlgorithm.Sha512Slash256 => "SHA-512-256",
        DigestAlgorithm.Sha512Slash256Sess => "SHA-512-256-sess",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>Reads an <c>algorithm</c> parameter value, ignoring case (RFC 7616 §3.3: the names are tokens).</summary>
    /// <param name="name">The value, e.g. <c>sha-256</c>.</param>
    /// <param name="algorithm">The algorithm when known.</param>
    /// <returns>Whether the name is one of the six algorithms.</returns>
    public static bool TryParse(ReadOnlySpan<char> name, out DigestAlgorithm algorithm)
    {
        for (DigestAlgorithm candidate = DigestAlgorithm.Md5; candidate <= DigestAlgorithm.Sha512Slash256Sess; candidate++)
        {
            if (name.Equals(Name(candidate), StringComparison.OrdinalIgnoreCase))
            {
                algorithm = candidate;
                return true;
            }
        }

        algorithm = default;
        return false;
    }

    /// <summary>Whether <paramref name="algorithm"/> is a <c>-sess</c> variant, whose A1 takes the nonce and cnonce (RFC 7616 §3.4.2).</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>True for the session variants.</returns>
    public static bool IsSession(DigestAlgorithm algorithm) =>
        algorithm is DigestAlgorithm.Md5Sess or DigestAlgorithm.Sha256Sess or DigestAlgorithm.Sha512Slash256Sess;

    /// <summary>The plain algorithm whose <c>H</c> a session variant uses: its HA1 is computed and stored the same way.</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns><see cref="DigestAlgorithm.Md5"/>, <see cref="DigestAlgorithm.Sha256"/> or <see cref="DigestAlgorithm.Sha512Slash256"/>.</returns>
    public static DigestAlgorithm HashOf(DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Md5Sess => DigestAlgorithm.Md5,
        DigestAlgorithm.Sha256Sess => DigestAlgorithm.Sha256,
        DigestAlgorithm.Sha512Slash256Sess => DigestAlgorithm.Sha512Slash256,
        _ => algorithm,
    };

    /// <summary>The length in hex digits of a digest of <paramref name="algorithm"/>: 32 for MD5, 64 for the SHA-2 ones.</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>The number of lowercase hex digits <c>H</c> gives.</returns>
    public static int HexLength(DigestAlgorithm algorithm) => HashOf(algorithm) == DigestAlgorithm.Md5 ? 32 : 64;

    /// <summary>
    /// <c>H(data)</c> as RFC 7616 §3.4.1 uses it: the digest as lowercase hex. MD5 and SHA-256 come from the platform;
    /// SHA-512/256 from <see cref="Sha512Slash256"/>, as .NET offers none.
    /// </summary>
    /// <param name="algorithm">The algorithm (a session variant hashes as its plain one).</param>
    /// <param name="text">The text, encoded as UTF-8 (RFC 7616 §3.4.4 <c>charset=UTF-8</c>; ASCII is the same bytes).</param>
    /// <returns>The digest in lowercase hex.</returns>
    public static string HashHex(DigestAlgorithm algorithm, string text)
    {
        int byteCount = Encoding.UTF8.GetByteCount(text);
        byte[]? rented = null;
        Span<byte> bytes = byteCount <= 512 ? stackalloc byte[512] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(byteCount));
        try
        {
            int written = Encoding.UTF8.GetBytes(text, bytes);
            return HashHex(algorithm, bytes[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                CryptographicOperations.ZeroMemory(rented.AsSpan(0, byteCount)); // May hold a password.
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
            else
            {
                CryptographicOperations.ZeroMemory(bytes[..byteCount]);
            }
        }
    }

    /// <summary><c>H(data)</c> over bytes, as lowercase hex.</summary>
    /// <param name="algorithm">The algorithm (a session variant hashes as its plain one).</param>
    /// <param name="data">The bytes to hash.</param>
    /// <returns>The digest in lowercase hex.</returns>
    public static string HashHex(DigestAlgorithm algorithm, ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[32];
        switch (HashOf(algorithm))
        {
            case DigestAlgorithm.Md5:
#pragma warning disable CA5351 // RFC 3261 §22.4 requires MD5 for interoperability; it is offered last, never preferred.
                digest = digest[..MD5.HashData(data, digest)];
#pragma warning restore CA5351
                break;
            case DigestAlgorithm.Sha256:
                SHA256.HashData(data, digest);
                break;
            default:
                Sha512Slash256.HashData(data, digest);
                break;
        }

        return Convert.ToHexStringLower(digest);
    }
}
