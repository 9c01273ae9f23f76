// SPDX-License-Identifier: Apache-2.0
// Registers the bindings; each area's functions and classes live in their own js/*_wrap files.
#include <napi.h>

#include "js/addon_data.h"
#include "js/augment_wrap.h"
#include "js/dist_wrap.h"
#include "js/image_wrap.h"
#include "js/model_wrap.h"
#include "js/runtime_wrap.h"
#include "js/weights_wrap.h"

namespace {

Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  using namespace fasttune::js;
  env.SetInstanceData(new AddonData());
  InitRuntime(env, exports);
  InitWeights(env, exports);
  InitAugment(env, exports);
  InitImage(env, exports);
  ModelWrap::Init(env, exports);
  GroupWrap::Init(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(fasttune, InitAddon)
