#include "MsbToken.h"

#include "MsbRpc.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QJsonDocument>
#include <QList>
#include <QMessageAuthenticationCode>
#include <QStringDecoder>
#include <QVariant>

#include <algorithm>
#include <limits>

namespace pysandbox::msb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::msb", text);
}

constexpr auto kBase64Url = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(kBase64Url);
}

QByteArray hs256(const QByteArray &key, const QByteArray &signingInput)
{
    return QMessageAuthenticationCode::hash(signingInput, key, QCryptographicHash::Sha256);
}

// One JWT segment. The server's base64 engine (jsonwebtoken 9 → base64 0.21, URL_SAFE_NO_PAD)
// refuses padding and non-canonical trailing bits, so only the canonical form is accepted:
// the decoded bytes must encode back to exactly the same text.
std::optional<QByteArray> decodeSegment(const QByteArray &segment, const QString &what, QString *error)
{
    if (segment.isEmpty()) {
        *error = tr("The API key's %1 is empty.").arg(what);
        return std::nullopt;
    }
    if (segment.contains('=')) {
        *error = tr("The API key's %1 is padded with \"=\"; microsandbox accepts only unpadded base64url.").arg(what);
        return std::nullopt;
    }
    for (const char c : segment)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            *error = tr("The API key's %1 contains a character that is not base64url.").arg(what);
            return std::nullopt;
        }
    const auto decoded = QByteArray::fromBase64Encoding(segment, kBase64Url | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || base64Url(decoded.decoded) != segment) {
        *error = tr("The API key's %1 is not canonical base64url (cut short or altered).").arg(what);
        return std::nullopt;
    }
    return decoded.decoded;
}

std::optional<QJsonObject> decodeObject(const QByteArray &segment, const QString &what, QString *error)
{
    const std::optional<QByteArray> bytes = decodeSegment(segment, what, error);
    if (!bytes)
        return std::nullopt;
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(*bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        *error = tr("The API key's %1 is not a JSON object.").arg(what);
        return std::nullopt;
    }
    return document.object();
}

// The server decodes exp and iat as u64: integral, not negative, no strings.
std::optional<qint64> unixSeconds(const QJsonObject &claims, const QString &name)
{
    const QJsonValue value = claims.value(name);
    if (!value.isDouble() || value.toVariant().typeId() != QMetaType::LongLong || value.toInteger() < 0)
        return std::nullopt;
    return value.toInteger();
}

} // namespace

TokenFormat tokenFormatFor(const QVersionNumber &serverVersion)
{
    return serverVersion < QVersionNumber(0, 2, 1) ? TokenFormat::HeaderlessV020 : TokenFormat::Jwt;
}

bool ApiToken::isExpired(const QDateTime &now) const
{
    return now.toSecsSinceEpoch() >= expiresAt;
}

bool ApiToken::expiresWithin(qint64 seconds, const QDateTime &now) const
{
    return now.toSecsSinceEpoch() > expiresAt - std::max<qint64>(seconds, 0);
}

bool ApiToken::verify(const QByteArray &serverKey) const
{
    if (serverKey.isEmpty() || signature.size() != 32)
        return false;
    const QByteArray expected = hs256(serverKey, signingInput);
    unsigned char difference = 0; // constant time: the comparison must not leak how much matched
    for (qsizetype i = 0; i < expected.size(); ++i)
        difference |= static_cast<unsigned char>(expected[i] ^ signature[i]);
    return difference == 0;
}

std::optional<ApiToken> parseApiKey(const QString &apiKey, QString *error)
{
    ApiToken token;
    token.apiKey = apiKey.trimmed(); // pasted keys often carry a newline; the server gets none
    if (token.apiKey.isEmpty()) {
        *error = tr("The API key is empty.");
        return std::nullopt;
    }
    if (!token.apiKey.startsWith(QLatin1String(kApiKeyPrefix))) {
        // The most common mistake (pysandbox-rs made it, §8): the server's secret is not a key.
        *error = token.apiKey.size() == 32 && !token.apiKey.contains(u'.')
            ? tr("This looks like the content of server.key, which is the server's secret, not an API key. An API "
                 "key starts with msb_: create one with `msb server keygen` or let PySandbox mint one.")
            : tr("An API key starts with msb_; this one does not.");
        return std::nullopt;
    }
    const QByteArray rest = token.apiKey.mid(4).toUtf8();
    const QList<QByteArray> parts = rest.split('.');
    if (parts.size() != 2 && parts.size() != 3) {
        *error = tr("An API key is msb_ followed by a JWT of three parts separated by dots; this one has %1.")
                     .arg(parts.size());
        return std::nullopt;
    }
    token.format = parts.size() == 3 ? TokenFormat::Jwt : TokenFormat::HeaderlessV020;
    const QByteArray headerSegment = parts.size() == 3 ? parts[0] : base64Url(kJwtHeaderJson);
    const QByteArray claimsSegment = parts[parts.size() - 2];
    const std::optional<QJsonObject> header = decodeObject(headerSegment, tr("header"), error);
    const std::optional<QJsonObject> claims = header ? decodeObject(claimsSegment, tr("claims"), error) : std::nullopt;
    const std::optional<QByteArray> signature = claims ? decodeSegment(parts.last(), tr("signature"), error) : std::nullopt;
    if (!signature)
        return std::nullopt;
    token.header = *header;
    token.claims = *claims;
    token.signature = *signature;
    token.signingInput = headerSegment + '.' + claimsSegment;
    if (token.header.value(QStringLiteral("alg")) != QLatin1String("HS256")) {
        *error = tr("The API key is not signed with HS256, the only algorithm the server accepts.");
        return std::nullopt;
    }
    if (token.signature.size() != 32) {
        *error = tr("The API key's signature is %1 bytes long; an HS256 signature has 32.").arg(token.signature.size());
        return std::nullopt;
    }
    const std::optional<qint64> exp = unixSeconds(token.claims, QStringLiteral("exp"));
    const std::optional<qint64> iat = unixSeconds(token.claims, QStringLiteral("iat"));
    const QJsonValue ns = token.claims.value(QStringLiteral("namespace"));
    if (!exp || !iat || !ns.isString()) {
        *error = tr("The API key's claims lack an integer \"exp\", an integer \"iat\" or a \"namespace\" string, "
                    "which the server requires.");
        return std::nullopt;
    }
    if (token.claims.contains(QStringLiteral("aud"))) { // §12.5: jsonwebtoken then wants an audience
        *error = tr("The API key carries an \"aud\" claim, which makes the server reject it.");
        return std::nullopt;
    }
    token.expiresAt = *exp;
    token.issuedAt = *iat;
    token.ns = ns.toString();
    return token;
}

QString serverKeyProblem(const QByteArray &serverKey)
{
    if (serverKey.isEmpty())
        return tr("The server key is empty: read ~/.microsandbox/server.key after the server has been started "
                  "once without --dev.");
    // The server holds its key as a Rust String, so it is UTF-8 whatever else it is.
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString text = decoder.decode(serverKey);
    if (decoder.hasError())
        return tr("The server key is not UTF-8 text, so it cannot be the key of a microsandbox server.");
    return {};
}

std::optional<QString> mintApiKey(const QByteArray &serverKey, const MintOptions &options, QString *error)
{
    QString problem = serverKeyProblem(serverKey);
    if (problem.isEmpty() && options.ns != QLatin1String("*"))
        problem = nameProblem(options.ns, NameKind::Namespace);
    const qint64 iat = options.issuedAt.isValid() ? options.issuedAt.toSecsSinceEpoch()
                                                  : QDateTime::currentSecsSinceEpoch();
    if (problem.isEmpty() && (options.lifetimeSeconds <= 0 || iat < 0
                              || options.lifetimeSeconds > std::numeric_limits<qint64>::max() - iat))
        problem = tr("A key's lifetime must be at least one second, and its times must lie after 1970.");
    if (!problem.isEmpty()) {
        *error = problem;
        return std::nullopt;
    }
    // Written by hand to match serde's output byte for byte: the struct's field order is exp,
    // iat, namespace, and a valid namespace needs no JSON escaping.
    const QByteArray claims = QByteArrayLiteral("{\"exp\":") + QByteArray::number(iat + options.lifetimeSeconds)
        + ",\"iat\":" + QByteArray::number(iat) + ",\"namespace\":\"" + options.ns.toLatin1() + "\"}";
    const QByteArray header = base64Url(kJwtHeaderJson);
    const QByteArray payload = base64Url(claims);
    // In the 0.2.0 format the header is left out but still signed: the server puts it back.
    const QByteArray signature = base64Url(hs256(serverKey, header + '.' + payload));
    const QByteArray jwt = options.format == TokenFormat::Jwt ? header + '.' + payload + '.' + signature
                                                              : payload + '.' + signature;
    return QLatin1String(kApiKeyPrefix) + QString::fromLatin1(jwt);
}

} // namespace pysandbox::msb
