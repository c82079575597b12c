--- Whether a completion menu is open: Neovim's popup menu (and the plugins that draw with it),
--- nvim-cmp's and blink.cmp's own menus, or any other a user reports through
--- `require('qwen_lsp').set_menu_open()`. Ghost text under an open menu fights it for the same
--- keys, so suggestions hide while one is open and come back when it closes.
local M = {}

local open = {} ---@type table<string, boolean> menus that report themselves, by source
local on_change = function() end
local cmp_hooked = false
local group = vim.api.nvim_create_augroup('qwen_lsp.popup', { clear = true })

function M.visible()
  return vim.fn.pumvisible() == 1 or next(open) ~= nil
end

local function changed()
  -- Scheduled: while CompleteDone runs, the menu is still being closed.
  vim.schedule(on_change)
end

--- Record that the menu of `source` opened or closed.
---@param source string
---@param is_open boolean
function M.set(source, is_open)
  open[source] = is_open or nil
  changed()
end

--- nvim-cmp announces its menu on its own event bus, once it is loaded (often lazily).
local function hook_cmp()
  local cmp = package.loaded.cmp
  if cmp_hooked or type(cmp) ~= 'table' or type(cmp.event) ~= 'table' then
    return
  end
  cmp_hooked = true
  cmp.event:on('menu_opened', function()
    M.set('cmp', true)
  end)
  cmp.event:on('menu_closed', function()
    M.set('cmp', false)
  end)
end

--- Call `callback` (scheduled) whenever a menu may have opened or closed.
---@param callback fun()
function M.watch(callback)
  on_change = callback
  vim.api.nvim_clear_autocmds({ group = group })
  vim.api.nvim_create_autocmd({ 'CompleteChanged', 'CompleteDone' }, {
    group = group,
    callback = changed,
  })
  vim.api.nvim_create_autocmd('User', {
    group = group,
    pattern = { 'BlinkCmpMenuOpen', 'BlinkCmpMenuClose' },
    callback = function(args)
      M.set('blink', args.match == 'BlinkCmpMenuOpen')
    end,
  })
  vim.api.nvim_create_autocmd('InsertEnter', { group = group, callback = hook_cmp })
  hook_cmp()
end

return M
