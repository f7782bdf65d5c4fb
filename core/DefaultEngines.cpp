#include "DefaultEngines.h"

#include <QCoreApplication>

namespace pysandbox {

EngineFactory *createDefaultEngineFactory(const EngineConfig &config, QObject *parent)
{
    auto *factory = new EngineFactory(parent);
    factory->addEngine(new NativeEngine(config.native));
    factory->addEngine(new UnavailableEngine(
        EngineKind::Microsandbox,
        QCoreApplication::translate("pysandbox::DefaultEngines",
                                    "the microsandbox engine (micro-VM isolation) is not included in this version yet; "
                                    "use the native engine")));
    return factory;
}

} // namespace pysandbox
