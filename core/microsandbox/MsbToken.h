#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QVersionNumber>

#include <optional>

// API keys of the microsandbox 0.2.x server (microsandbox-0.2-protocol.md §3): "msb_" + an HS256
// JWT whose claims are {"exp", "iat", "namespace"}, signed with the verbatim bytes of
// ~/.microsandbox/server.key. The client parses keys to warn before they expire and to pick
// the namespace, and can mint its own keys from server.key exactly as `msb server keygen` does.
namespace pysandbox::msb {

// 0.2.1 and later send the whole JWT after "msb_"; 0.2.0 dropped the (constant) JWT header:
// "msb_<claims>.<signature>", the header being re-added on verification (§3.2).
enum class TokenFormat { Jwt, HeaderlessV020 };
TokenFormat tokenFormatFor(const QVersionNumber &serverVersion);

// What `jsonwebtoken::Header::default()` serialises, byte for byte (§3.2).
inline constexpr auto kJwtHeaderJson = R"({"typ":"JWT","alg":"HS256"})";
inline constexpr auto kApiKeyPrefix = "msb_";

// A decoded API key. Nothing in it is trusted until verify() has checked the signature with the
// server's key: parseApiKey() only proves that the 0.2.x server would not reject its shape.
struct ApiToken
{
    QString apiKey;          // the key as the server gets it (surrounding whitespace removed)
    TokenFormat format = TokenFormat::Jwt;
    QJsonObject header;      // decoded JOSE header
    QJsonObject claims;      // decoded claims, including any the server ignores
    qint64 expiresAt = 0;    // "exp", Unix seconds
    qint64 issuedAt = 0;     // "iat", Unix seconds
    QString ns;              // "namespace": "*" means every namespace
    QByteArray signingInput; // the bytes the signature covers ("<header>.<claims>" in base64url)
    QByteArray signature;    // the 32 raw HMAC-SHA256 bytes

    QDateTime expiry() const { return QDateTime::fromSecsSinceEpoch(expiresAt, Qt::UTC); }
    QDateTime issued() const { return QDateTime::fromSecsSinceEpoch(issuedAt, Qt::UTC); }
    // The server's rule (§3.3 step 4): "*" opens every namespace, otherwise an exact match.
    bool allowsNamespace(const QString &requested) const { return ns == QLatin1String("*") || ns == requested; }
    // No leeway: the server grants 60 s (INFERRED), but a key that is past "exp" is treated as
    // expired here so that it is replaced before the server's patience runs out.
    bool isExpired(const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    // True if the key is expired or will be within `seconds` of `now` (time to re-mint).
    bool expiresWithin(qint64 seconds, const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    // HS256 check against the server's key, in constant time. Says nothing about expiry.
    bool verify(const QByteArray &serverKey) const;
};

// Decodes an API key as the 0.2.x server would: "msb_" prefix, two or three unpadded base64url
// segments in canonical form, header {"alg":"HS256"}, integer "exp" and "iat", a string
// "namespace" and no "aud" (§3.3, §12.5). nullopt and *error (a sentence for the user) otherwise.
std::optional<ApiToken> parseApiKey(const QString &apiKey, QString *error);

struct MintOptions
{
    QString ns = QStringLiteral("*");        // "*" or one valid namespace name
    QDateTime issuedAt;                      // invalid: now
    qint64 lifetimeSeconds = 24 * 60 * 60;   // keygen's default (§3.2)
    TokenFormat format = TokenFormat::Jwt;
};

// Mints the key `msb server keygen` would print for these claims. `serverKey` is the content
// of ~/.microsandbox/server.key (or the --key value), used verbatim: the server does not trim it
// either, so a key file with a trailing newline signs with that newline.
std::optional<QString> mintApiKey(const QByteArray &serverKey, const MintOptions &options, QString *error);

// Why `serverKey` cannot be a server key (empty, not UTF-8), or an empty string.
QString serverKeyProblem(const QByteArray &serverKey);

} // namespace pysandbox::msb
