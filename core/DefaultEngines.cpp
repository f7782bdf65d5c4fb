#include "DefaultEngines.h"

namespace pysandbox {

EngineFactory *createDefaultEngineFactory(const EngineConfig &config, QObject *parent)
{
    auto *factory = new EngineFactory(parent);
    factory->addEngine(new NativeEngine(config.native));
    factory->addEngine(new MicrosandboxEngine(config.microsandbox));
    return factory;
}

} // namespace pysandbox
